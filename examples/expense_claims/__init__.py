"""The expense-claim example: employees file claims with a receipt in the console; a policy check
scores them; the employee's manager reviews what needs a person in the inbox (two approvers
above 1,000 EUR: the manager, then finance); approved claims are posted to the ledger."""
