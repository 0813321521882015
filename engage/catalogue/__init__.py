"""The OH services that campaigns promote, as editable data, and (later) their public pages."""
