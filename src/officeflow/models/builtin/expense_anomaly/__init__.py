"""The expense-anomaly model: claim generator, features, ONNX model, training, report."""
