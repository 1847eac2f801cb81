"""Tables, figures and exports built from costing results."""
