"""The credit-risk scorecard on the German Credit data: data, scorecard, model, training, report."""
