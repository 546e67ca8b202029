"""The data contract, spelled out once for the tests: tables, columns, types, enumerations.

Written from the issue that defines the contract, independently of the catalog file and the
generator, so both can be checked against it.
"""

from __future__ import annotations

CONTRACT: dict[str, list[tuple[str, str]]] = {
    "dataset_info": [("as_of", "DATE"), ("seed", "INTEGER"), ("customers", "INTEGER")],
    "customers": [
        ("customer_id", "INTEGER"),
        ("first_name", "VARCHAR"),
        ("last_name", "VARCHAR"),
        ("email", "VARCHAR"),
        ("gender", "VARCHAR"),
        ("birth_date", "DATE"),
        ("signup_date", "DATE"),
        ("country", "VARCHAR"),
        ("region", "VARCHAR"),
        ("city", "VARCHAR"),
        ("income_band", "VARCHAR"),
        ("education", "VARCHAR"),
        ("occupation", "VARCHAR"),
        ("marital_status", "VARCHAR"),
        ("customer_type", "VARCHAR"),
        ("company_industry", "VARCHAR"),
        ("company_size", "VARCHAR"),
        ("lifestyle", "VARCHAR"),
        ("reward_preference", "VARCHAR"),
        ("loyalty_tier", "VARCHAR"),
        ("acquisition_channel", "VARCHAR"),
        ("preferred_channel", "VARCHAR"),
        ("primary_device", "VARCHAR"),
        ("email_opt_in", "BOOLEAN"),
        ("sms_opt_in", "BOOLEAN"),
        ("push_opt_in", "BOOLEAN"),
    ],
    "products": [
        ("product_id", "INTEGER"),
        ("product_name", "VARCHAR"),
        ("category", "VARCHAR"),
        ("subcategory", "VARCHAR"),
        ("brand", "VARCHAR"),
        ("list_price", "DECIMAL(10,2)"),
        ("is_eco_friendly", "BOOLEAN"),
    ],
    "transactions": [
        ("transaction_id", "BIGINT"),
        ("customer_id", "INTEGER"),
        ("transaction_ts", "TIMESTAMP"),
        ("channel", "VARCHAR"),
        ("payment_method", "VARCHAR"),
        ("status", "VARCHAR"),
        ("item_count", "INTEGER"),
        ("discount_amount", "DECIMAL(12,2)"),
        ("total_amount", "DECIMAL(12,2)"),
    ],
    "transaction_items": [
        ("transaction_id", "BIGINT"),
        ("product_id", "INTEGER"),
        ("quantity", "INTEGER"),
        ("unit_price", "DECIMAL(10,2)"),
    ],
    "campaigns": [
        ("campaign_id", "INTEGER"),
        ("campaign_name", "VARCHAR"),
        ("channel", "VARCHAR"),
        ("campaign_type", "VARCHAR"),
        ("target_category", "VARCHAR"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
    ],
    "campaign_events": [
        ("campaign_id", "INTEGER"),
        ("customer_id", "INTEGER"),
        ("event_type", "VARCHAR"),
        ("event_ts", "TIMESTAMP"),
    ],
    "web_sessions": [
        ("session_id", "BIGINT"),
        ("customer_id", "INTEGER"),
        ("session_start", "TIMESTAMP"),
        ("device", "VARCHAR"),
        ("browser", "VARCHAR"),
        ("pages_viewed", "INTEGER"),
        ("viewed_category", "VARCHAR"),
        ("added_to_cart", "BOOLEAN"),
        ("converted", "BOOLEAN"),
    ],
    "support_tickets": [
        ("ticket_id", "BIGINT"),
        ("customer_id", "INTEGER"),
        ("created_ts", "TIMESTAMP"),
        ("topic", "VARCHAR"),
        ("channel", "VARCHAR"),
        ("csat_score", "INTEGER"),
    ],
}


ENUMS: dict[tuple[str, str], set[str]] = {
    ("customers", "gender"): {"female", "male", "non-binary"},
    ("customers", "country"): {"US", "CA", "GB", "DE", "FR", "AU"},
    ("customers", "income_band"): {"<25k", "25-50k", "50-100k", "100-200k", "200k+"},
    ("customers", "education"): {"high_school", "bachelor", "master", "doctorate"},
    ("customers", "occupation"): {
        "student",
        "professional",
        "manager",
        "self_employed",
        "retired",
        "homemaker",
        "other",
    },
    ("customers", "marital_status"): {"single", "married", "divorced", "widowed"},
    ("customers", "customer_type"): {"consumer", "business"},
    ("customers", "company_industry"): {
        "retail",
        "healthcare",
        "finance",
        "technology",
        "education",
        "hospitality",
    },
    ("customers", "company_size"): {"1-10", "11-50", "51-200", "201-1000", "1000+"},
    ("customers", "lifestyle"): {
        "outdoor_adventurer",
        "urban_professional",
        "family_focused",
        "budget_conscious",
        "eco_conscious",
        "tech_enthusiast",
        "wellness_seeker",
    },
    ("customers", "reward_preference"): {"cash_back", "experiential", "discounts", "points"},
    ("customers", "loyalty_tier"): {"none", "bronze", "silver", "gold", "platinum"},
    ("customers", "acquisition_channel"): {
        "organic_search",
        "paid_search",
        "social",
        "referral",
        "in_store",
        "email",
    },
    ("customers", "preferred_channel"): {"email", "sms", "push", "none"},
    ("customers", "primary_device"): {"ios", "android", "desktop"},
    ("products", "category"): {
        "Outdoor",
        "Apparel",
        "Footwear",
        "Electronics",
        "Home",
        "Beauty",
        "Sports",
        "Grocery",
        "Toys",
    },
    ("transactions", "channel"): {"online", "store", "app"},
    ("transactions", "payment_method"): {"card", "paypal", "gift_card", "cash", "bnpl"},
    ("transactions", "status"): {"completed", "returned", "cancelled"},
    ("campaigns", "channel"): {"email", "sms", "push"},
    ("campaigns", "campaign_type"): {
        "promotional",
        "newsletter",
        "winback",
        "loyalty",
        "product_launch",
    },
    ("campaigns", "target_category"): {
        "Outdoor",
        "Apparel",
        "Footwear",
        "Electronics",
        "Home",
        "Beauty",
        "Sports",
        "Grocery",
        "Toys",
    },
    ("campaign_events", "event_type"): {
        "sent",
        "delivered",
        "opened",
        "clicked",
        "converted",
        "unsubscribed",
    },
    ("web_sessions", "device"): {"ios", "android", "desktop"},
    ("web_sessions", "browser"): {"chrome", "safari", "firefox", "edge", "app"},
    ("web_sessions", "viewed_category"): {
        "Outdoor",
        "Apparel",
        "Footwear",
        "Electronics",
        "Home",
        "Beauty",
        "Sports",
        "Grocery",
        "Toys",
    },
    ("support_tickets", "topic"): {"delivery", "returns", "product_question", "billing", "account"},
    ("support_tickets", "channel"): {"chat", "email", "phone"},
}


# The JSON keys `segment-assistant ask --format json` promises (issue: understanding requests).
ANSWER_KEYS = (
    "request", "backend", "spec", "sql", "count", "share", "funnel", "explanation",
    "assumptions", "unrecognized", "clarification", "error", "elapsed_ms", "tokens",
)  # fmt: skip


def reachable_sql(segment_sql: str) -> str:
    """The demo's members reachable on at least one channel, written independently of the
    catalog's contact roles: consent given and no unsubscribe event on that channel."""
    channels = []
    for channel in ("email", "sms", "push"):
        channels.append(
            f"(c.{channel}_opt_in AND c.customer_id NOT IN (SELECT e.customer_id "
            "FROM campaign_events e JOIN campaigns m ON m.campaign_id = e.campaign_id "
            f"WHERE e.event_type = 'unsubscribed' AND m.channel = '{channel}'))"
        )
    return (
        f"SELECT c.customer_id FROM customers c WHERE c.customer_id IN ({segment_sql}) "
        f"AND ({' OR '.join(channels)})"
    )
