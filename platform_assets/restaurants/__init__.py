"""Domain `restaurants`: Global Partners orders (items, options, date_dim) into seven marts (spec: restaurants.md)."""
