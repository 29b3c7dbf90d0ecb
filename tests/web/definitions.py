"""Workflow definitions the console tests (and the screenshots) use."""

ORDERS_V1 = """\
name: web-orders
version: 1
title: Order fulfilment
description: Check an order; large orders wait for approval (shipped anyway after an hour); ship; tell the customer.
input: {type: object}
steps:
  check: {kind: task, handler: web.check, title: Check the order, next: route}
  route:
    kind: switch
    title: Large order?
    cases:
      - {when: "input.amount > 100", to: approval}
    default: ship
  approval: {kind: wait, signal: approve, title: Manager approves, timeout: 1h, on_timeout: ship, next: ship}
  ship: {kind: task, handler: web.ship, title: Ship the parcel, retry: {attempts: 1}, next: notify}
  notify: {kind: task, handler: web.notify, title: Tell the customer}
"""

ORDERS_V2 = ORDERS_V1.replace("version: 1", "version: 2").replace("approval", "manager_review")

ONBOARDING = """\
name: web-onboarding
version: 1
title: New hire onboarding
input: {type: object}
steps:
  open_file: {kind: task, handler: web.check, title: Open the HR file, next: setup}
  setup: {kind: parallel, title: Set everything up, branches: [laptop, accounts], next: welcome}
  laptop: {kind: task, handler: web.notify, title: Order a laptop}
  accounts: {kind: task, handler: web.notify, title: Create the accounts, next: training}
  training: {kind: timer, duration: 1h, title: Wait for the training day}
  welcome: {kind: task, handler: web.notify, title: Send the welcome mail}
"""

LOANS = """\
name: web-loans
version: 1
title: Loan application
input: {type: object}
steps:
  score: {kind: task, handler: web.check, title: Score the application, next: review}
  review: {kind: wait, signal: decision, title: Officer decides, next: done}
  done: {kind: end, output: steps.review.output}
"""

DEFINITIONS = [ORDERS_V1, ORDERS_V2, ONBOARDING, LOANS]
