"""Domain `ad_attribution`: ad events (impressions, clicks, media cost) joined to orders by last touch, click
beating view, into per-order attribution and daily campaign ROAS on Delta Lake (spec: ad_attribution.md)."""
