"""The compute API's JSON views, one module per resource, apart from the controllers."""
