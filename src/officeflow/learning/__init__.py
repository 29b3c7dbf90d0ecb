"""Closing the loop from people back to models: retraining on their corrections, and watching each
live model version for drift (officeflow.learning.retraining, officeflow.learning.drift)."""
