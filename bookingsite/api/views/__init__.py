"""The partner API's views, one module per area."""
