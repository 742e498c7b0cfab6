"""Domain `ecommerce`: products, orders and order items to daily sales, product, department and customer
analytics on Delta Lake (spec: ecommerce.md)."""
