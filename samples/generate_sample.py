#!/usr/bin/env python3
"""Generates samples/events.jsonl, the bundled sample the README's replay scores.

Ten days of Segment-spec product-usage records (track, page, identify, group) for four
accounts of a B2B analytics product, shaped so that the default model
(src/main/resources/models/default.yaml) shows every kind of outcome:

- acme-analytics (1,200 employees, software): four users; the VP becomes `hot` (routed to
  `enterprise` by the model's enterprise override) and the account becomes a PQA. Three
  different users complete the account-scope sequence Dashboard Created -> Report Shared ->
  Integration Connected, and a usage reading crosses 80 % of its limit.
- globex (240 employees, fintech): three users; the director becomes a PQL and then `hot`
  (route `sales_priority`); the account becomes a PQA and drops out when its users go quiet.
- initech (15 employees, education): a founder and anonymous visitors; the account is
  identified by `properties.accountId` and timestamps carry a +01:00 offset.
- umbrella-retail (600 employees, ecommerce): one user who becomes a PQL, and backend usage
  reports without a user; the account scores about 70 but is never a PQA, which needs three
  active users.

Records are written in arrival order: each record's `receivedAt` is its `timestamp` plus up to
three minutes, and the file is sorted by `receivedAt`, so no record is more than three minutes
behind the newest event time before it (the default model allows five). Two records are
delivered twice (an SDK retry: same messageId, counted as duplicates, not scored) and three
lines are bad on purpose (broken JSON, no account id, an unparseable timestamp) so the
dead-letter output has something to show.

Deterministic: a fixed seed and no clock, so re-running it reproduces the committed file.

    python3 samples/generate_sample.py            # writes samples/events.jsonl
    python3 samples/generate_sample.py -o FILE    # writes FILE instead
"""
import argparse
import datetime as dt
import json
import pathlib
import random
import uuid

SEED = 20260302
START = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc)  # a Monday
DAYS = 10
MAX_DELIVERY_DELAY_S = 180  # receivedAt - timestamp, at most
OUT_OF_ORDER_LIMIT_S = 240  # checked: never further behind the newest event time than this

FEATURES = ["sql_editor", "chart_builder", "alerts", "scheduled_reports", "data_blending",
            "embedding", "api_access", "row_level_security", "dashboards_filters"]
PAGES = {
    "Home": "/", "Dashboards": "/dashboards", "Reports": "/reports", "Settings": "/settings",
    "Docs": "/docs", "Pricing": "/pricing", "Billing": "/settings/billing",
}

ACCOUNTS = {
    "acme-analytics": {"traits": {"name": "Acme Analytics", "employees": 1200, "industry": "software",
                                  "plan": "trial"}, "tz": 0, "id_path": "context"},
    "globex": {"traits": {"name": "Globex Corporation", "employees": 240, "industry": "fintech",
                          "plan": "trial"}, "tz": -5, "id_path": "context"},
    "initech": {"traits": {"name": "Initech", "employees": 15, "industry": "education",
                           "plan": "free"}, "tz": 1, "id_path": "properties"},
    "umbrella-retail": {"traits": {"name": "Umbrella Retail", "employees": 600, "industry": "ecommerce",
                                   "plan": "trial"}, "tz": 0, "id_path": "context"},
}

# user id -> account, traits, active days (0-based from START), features they use, and the
# scripted milestones: (day, kind, detail) with kind one of the track events or page names.
USERS = {
    "u-acme-maria": {"account": "acme-analytics", "traits": {"name": "Maria Lopez", "role": "vp", "title": "VP Data"},
                     "days": [0, 1, 2, 4, 5, 7, 8, 9],
                     "features": ["sql_editor", "chart_builder", "alerts", "scheduled_reports", "data_blending", "embedding"],
                     "script": [(0, "Onboarding Completed", {}), (0, "Data Source Connected", {"source": "snowflake"}),
                                (0, "Dashboard Created", {"template": "revenue"}),
                                (0, "User Invited", {"invitee_role": "analyst"}), (0, "User Invited", {"invitee_role": "engineer"}),
                                (1, "User Invited", {"invitee_role": "head"}), (4, "Pricing", {}), (7, "Billing", {}),
                                (8, "Checkout Started", {"plan": "business", "seats": 25})]},
    "u-acme-jon": {"account": "acme-analytics", "traits": {"name": "Jon Park", "role": "analyst"},
                   "days": [1, 2, 3, 5, 7, 8], "features": ["sql_editor", "chart_builder", "dashboards_filters"],
                   "script": [(1, "Onboarding Completed", {}), (2, "Report Shared", {"channel": "email"})]},
    "u-acme-li": {"account": "acme-analytics", "traits": {"name": "Li Wei", "role": "engineer"},
                  "days": [2, 3, 4, 6, 8, 9], "features": ["api_access", "embedding"],
                  "script": [(2, "Onboarding Completed", {}), (3, "Integration Connected", {"integration": "slack"}),
                             (3, "Data Source Connected", {"source": "postgres"}), (4, "Dashboard Created", {"template": "blank"})]},
    "u-acme-sam": {"account": "acme-analytics", "traits": {"name": "Sam Osei", "role": "head", "title": "Head of BI"},
                   "days": [3, 5, 6, 8, 9], "features": ["scheduled_reports", "row_level_security"],
                   "script": [(3, "Usage Reported", {"metric": "rows_synced", "used": 550000, "limit": 1000000}),
                              (6, "Usage Reported", {"metric": "rows_synced", "used": 850000, "limit": 1000000}),
                              (6, "Pricing", {})]},
    "u-globex-priya": {"account": "globex", "traits": {"name": "Priya Nair", "role": "director"},
                       "days": [0, 1, 3, 4, 5, 6, 8], "features": ["sql_editor", "alerts", "data_blending", "chart_builder"],
                       "script": [(0, "Onboarding Completed", {}), (1, "Data Source Connected", {"source": "bigquery"}),
                                  (1, "User Invited", {"invitee_role": "analyst"}), (1, "User Invited", {"invitee_role": "manager"}),
                                  (3, "Dashboard Created", {"template": "risk"}), (5, "Pricing", {}), (8, "Billing", {})]},
    "u-globex-tom": {"account": "globex", "traits": {"name": "Tom Reed", "role": "analyst"},
                     "days": [1, 2, 4, 6, 7, 9], "features": ["sql_editor", "chart_builder"],
                     "script": [(1, "Onboarding Completed", {}), (4, "Report Shared", {"channel": "slack"})]},
    "u-globex-ana": {"account": "globex", "traits": {"name": "Ana Costa", "role": "manager"},
                     "days": [3, 5, 6, 8], "features": ["dashboards_filters"],
                     "script": [(3, "Onboarding Completed", {})]},
    "u-initech-bob": {"account": "initech", "traits": {"name": "Bob Porter", "role": "founder"},
                      "days": [2, 3, 6, 7], "features": ["chart_builder"],
                      "script": [(2, "Onboarding Completed", {}), (6, "Pricing", {})]},
    "u-umbrella-kim": {"account": "umbrella-retail", "traits": {"name": "Kim Tanaka", "role": "engineer"},
                       "days": [0, 2, 4, 5, 7, 9], "features": ["api_access", "sql_editor", "alerts"],
                       "script": [(0, "Onboarding Completed", {}), (0, "Data Source Connected", {"source": "mysql"}),
                                  (2, "Dashboard Created", {"template": "orders"}), (7, "Pricing", {})]},
}

# account-level records without a user: (account, day, kind, detail)
BACKEND = [("umbrella-retail", d, "Usage Reported", {"metric": "api_calls", "used": used, "limit": 100000})
           for d, used in [(1, 40000), (3, 55000), (5, 70000), (7, 82000), (9, 91000)]]
ANONYMOUS_PAGES = [("initech", 1, "Pricing"), ("initech", 4, "Pricing"), ("acme-analytics", 0, "Home"),
                   ("globex", 2, "Docs"), ("umbrella-retail", 6, "Pricing")]

rng = random.Random(SEED)


def new_id():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def iso(t, tz_hours=0):
    local = t.astimezone(dt.timezone(dt.timedelta(hours=tz_hours)))
    s = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"
    return s + ("Z" if tz_hours == 0 else local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:])


def session_start(day, tz):
    """A working-hours start in the account's time zone, as UTC."""
    local_hour = rng.randint(8, 16)
    return START + dt.timedelta(days=day, hours=local_hour - tz, minutes=rng.randint(0, 59),
                                seconds=rng.randint(0, 59), milliseconds=rng.randint(0, 999))


def record(kind, t, account, user=None, detail=None, anonymous_id=None):
    acc = ACCOUNTS[account]
    r = {}
    if kind == "identify":
        r["type"] = "identify"
        r["traits"] = dict(detail)
    elif kind == "group":
        r["type"] = "group"
        r["groupId"] = account
        r["traits"] = dict(detail)
    elif kind in PAGES:
        r["type"] = "page"
        r["name"] = kind
        r["properties"] = {"path": PAGES[kind], "title": kind, "url": "https://app.example.com" + PAGES[kind]}
    else:
        r["type"] = "track"
        r["event"] = kind
        r["properties"] = dict(detail or {})
    r["messageId"] = new_id()
    r["timestamp"] = iso(t, acc["tz"] if acc["id_path"] == "properties" else 0)
    if user is not None:
        r["userId"] = user
    r["anonymousId"] = anonymous_id or new_id()
    context = {"library": {"name": "analytics-node" if user is None and kind not in PAGES else "analytics.js",
                           "version": "5.2.1"}}
    if kind != "group":
        if acc["id_path"] == "context":
            context["groupId"] = account
        else:
            r.setdefault("properties", {})["accountId"] = account
    r["context"] = context
    delay = rng.uniform(0.2, MAX_DELIVERY_DELAY_S)
    r["receivedAt"] = iso(t + dt.timedelta(seconds=delay))
    return t + dt.timedelta(seconds=delay), r


def user_sessions():
    out = []
    for uid, u in USERS.items():
        account = u["account"]
        tz = ACCOUNTS[account]["tz"]
        anon = new_id()
        script = {}
        for day, kind, detail in u["script"]:
            script.setdefault(day, []).append((kind, detail))
        first = min(u["days"])
        for day in sorted(set(u["days"]) | set(script)):
            t = session_start(day, tz)
            steps = []
            if day == first:
                steps.append(("identify", u["traits"]))
            steps.append((rng.choice(["Home", "Dashboards"]), {}))
            steps += script.get(day, [])
            for _ in range(rng.randint(2, 4)):
                steps.append(("Feature Used", {"feature": rng.choice(u["features"])}))
            for _ in range(rng.randint(0, 2)):
                steps.append((rng.choice(["Reports", "Docs", "Settings", "Dashboards"]), {}))
            for kind, detail in steps:
                out.append(record(kind, t, account, uid, detail, anon))
                t += dt.timedelta(minutes=rng.randint(1, 12), seconds=rng.randint(0, 59))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default=str(pathlib.Path(__file__).with_name("events.jsonl")))
    args = ap.parse_args()

    records = []
    for account, a in ACCOUNTS.items():  # the CRM sync sends a group call on the first day
        records.append(record("group", START + dt.timedelta(hours=7, minutes=rng.randint(0, 59)), account,
                              None, a["traits"]))
    # acme converts its trial plan mid-way: a later group call overwrites only `plan`
    records.append(record("group", START + dt.timedelta(days=9, hours=15, minutes=12), "acme-analytics",
                          None, {"plan": "business"}))
    records += user_sessions()
    for account, day, kind, detail in BACKEND:
        records.append(record(kind, START + dt.timedelta(days=day, hours=23, minutes=30), account, None, detail))
    for account, day, page in ANONYMOUS_PAGES:
        records.append(record(page, session_start(day, ACCOUNTS[account]["tz"]), account))

    # two SDK retries: the same record delivered again a minute later (same messageId)
    for i in (40, 170):
        received, r = records[i]
        event_time = dt.datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00"))
        again = min(received + dt.timedelta(seconds=60), event_time + dt.timedelta(seconds=MAX_DELIVERY_DELAY_S))
        records.append((again, r))

    records.sort(key=lambda x: (x[0], x[1]["messageId"]))
    lines = [json.dumps(r, separators=(",", ":")) for _, r in records]

    # sanity: arrival order is within the allowed out-of-orderness
    newest = None
    for _, r in records:
        t = dt.datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00"))
        newest = t if newest is None or t > newest else newest
        assert (newest - t).total_seconds() <= OUT_OF_ORDER_LIMIT_S, r

    # three bad records, as a real pipeline sees them now and then, each beside a track call
    def track_at_or_after(i):
        while json.loads(lines[i])["type"] != "track":
            i += 1
        return i

    n = len(lines)
    i = track_at_or_after(n // 5)
    lines.insert(i + 1, lines[i][:97])  # a record cut off mid-write: bad_json
    i = track_at_or_after(n // 2)
    bad_account = json.loads(lines[i])  # a mobile SDK that never learned the account: missing_account
    bad_account["context"].pop("groupId", None)
    bad_account.get("properties", {}).pop("accountId", None)
    bad_account["messageId"] = new_id()
    lines.insert(i + 1, json.dumps(bad_account, separators=(",", ":")))
    i = track_at_or_after(n * 4 // 5)
    bad_time = json.loads(lines[i])  # a hand-written import with a local date format: bad_timestamp
    bad_time["timestamp"] = "03/10/2026 14:05"
    bad_time["messageId"] = new_id()
    lines.insert(i + 1, json.dumps(bad_time, separators=(",", ":")))

    pathlib.Path(args.output).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} lines to {args.output}")


if __name__ == "__main__":
    main()
