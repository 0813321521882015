"""The OH services that campaigns promote, as editable data, and their public pages."""
