"""The built-in models: credit-risk, expense-anomaly and sensor-anomaly (filled in by ``registry.py``)."""
