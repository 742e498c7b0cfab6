"""The purchases domain: customer purchases to an incremental customer summary served from a warehouse."""
