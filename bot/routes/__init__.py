"""HTTP routes, one small module per concern; each reads the Services the app was built with."""
