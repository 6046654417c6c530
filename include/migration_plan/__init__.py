"""The migration plan: model, validation, lint, cost estimate and the command line around them."""
