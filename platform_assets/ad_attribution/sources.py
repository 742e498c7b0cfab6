"""Landing sources of the ad_attribution domain (spec: ad_attribution.md, Sources).

Ad platforms deliver their own header names: `platform` is the channel and `timestamp` the event time (the
seed sample `aws_ad_impressions.csv` uses both). A file without `event_type` holds impressions only and a
file without `cost` carries no media cost: those two columns are optional and get a default.
"""

from platform_assets.core.sources import Source

DOMAIN = "ad_attribution"

AD_EVENTS = Source(
    domain=DOMAIN,
    name="ad_events",
    columns=("event_id", "user_id", "campaign_id", "channel", "event_type", "event_ts", "cost"),
    aliases={"platform": "channel", "timestamp": "event_ts"},
    required=("event_id", "user_id", "campaign_id", "channel", "event_ts"),
    defaults={"event_type": "impression", "cost": "0"},
    description="Ad events (impressions and clicks with their media cost), JSON lines or CSV per event date.",
)

ORDERS = Source(
    domain=DOMAIN,
    name="orders",
    columns=("order_id", "user_id", "order_ts", "sku", "amount", "currency"),
    aliases={"timestamp": "order_ts"},
    description="Orders (revenue to attribute), one or more CSV files per order date.",
)

SOURCES = (AD_EVENTS, ORDERS)
