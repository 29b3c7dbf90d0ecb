"""The sensor-anomaly detector: stream generator, WaterFlow labels, detector, scoring, training, report."""
