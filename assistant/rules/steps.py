"""A request written as several steps: "start with everyone in Ohio. now keep only the ones who
bought in store in 2002. then drop anybody who returned something to a store that same year".

Each step after the first is a follow-up on the segment so far, as if typed as the next turn;
"that same year" is the time the step before it named.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from assistant.rules.timeparse import TimeMatch, TimeParser
from assistant.windows import Window, resolve

# A sentence that starts like a follow-up begins a new step.
_NEXT = (
    r"now|then|next|after that|and then|finally|also|keep|drop|remove|exclude|only|add|plus|"
    r"leave out|leave off|except|excluding|"
    r"of those|of them|among them|among those|out of those|from those|from them|narrow|limit"
)
_SPLIT = re.compile(rf"\s*[.;!?]+\s+(?=(?:{_NEXT})\b)", re.IGNORECASE)
_LEAD = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|so|first(?:ly)?|step \d+)[,:]?\s+)*(?:start(?:ing)? with|begin with|"
    r"take|grab)\s+",
    re.IGNORECASE,
)
_STEP_WORDS = re.compile(
    r"^\s*(?:(?:and\s+)?then|now|next|after that|finally|also)[,:]?\s+", re.IGNORECASE
)
# "drop anybody who returned …": leave those people out (not "drop the filter")
_LEAVE_OUT = re.compile(
    r"^\s*(?:drop|remove|take out|get rid of|filter out|leave out|cut|knock out)\s+"
    r"(?:anybody|anyone|everybody|everyone|those|people|the ones|customers|accounts|all|any|"
    r"the people|the customers|the accounts)\b",
    re.IGNORECASE,
)
_SAME_TIME = re.compile(
    r"\b(?:(?:during|in|over|within|for)\s+)?(?:that\s+(?:same\s+)?|(?:the|this)\s+same\s+)"
    r"(?:year|month|quarter|week|period|time|window|timeframe)\b(?!\s+(?:before|after|ago))",
    re.IGNORECASE,
)


# "Planning our back-to-school push. I need parents who …": a first sentence that only sets the
# scene, followed by the ask.
_SCENE = re.compile(
    r"^\s*(?:(?:hi|hey|hello)(?:\s+(?:all|team|folks|everyone))?[,!.]?\s+)?"
    r"(?:planning|we(?:'re| are) (?:planning|running|launching|prepping|preparing|working on)|"
    r"working on|prepping|preparing|getting ready for|ahead of|context|background|fyi|quick one)\b"
    r"[^.!?]*[.!?]+\s+(?=\S)",
    re.IGNORECASE,
)
_ASK = re.compile(
    r"^\s*(?:i|we)\s+(?:need|want|would like|'d like|am looking for|are looking for)\b|"
    r"^\s*(?:can|could|would)\s+(?:you|someone|somebody|we)\b|"
    r"^\s*(?:please\s+)?(?:pull|find|get|give|show|build|list|send)\b|^\s*looking for\b",
    re.IGNORECASE,
)


# "For our win-back push next week, I'd like …", "Ahead of our autumn sale I want …", "to promote
# the new add-on I need …", "We're planning a VIP evening in Germany - can you pull …": a lead
# that says what the audience is for, ended by a stop, a dash or comma, or the ask itself.
_PURPOSE_LEAD = (
    r"(?:for|ahead\s+of|before|in\s+preparation\s+for|in\s+the\s+run[- ]up\s+to|as\s+part\s+of"
    r"|(?P<verb>to\s+(?:promote|prep|prepare|plan|support|launch|kick\s+off|test|announce|push)"
    r"|planning|we(?:'re|\s+are|'ll\s+be|\s+will\s+be)\s+(?:planning|running|launching|prepping|"
    r"preparing|doing|sending|hosting|throwing)))\b"
)
_PURPOSE_NOUN = re.compile(
    r"\b(?:campaign|push|sale|sales\s+event|mailing|mailer|send|blast|promo|promotion|newsletter|"
    r"program|programme|initiative|test|launch|event|evening|preview|planning|drop|offer|outreach|"
    r"flow|journey|series|activation|reactivation|win-?back|upsell|cross-?sell|retargeting|"
    r"webinar|survey|pilot|experiment|mailout|mail-out)s?\b",
    re.IGNORECASE,
)
_ASK_AHEAD = (
    r"(?:i|we)(?:\s+|(?='))(?:need|want|would\s+like|'d\s+like|am\s+looking\s+for|"
    r"are\s+looking\s+for)\b"
    r"|(?:can|could|would)\s+(?:you|someone|somebody)\b|(?:please\s+)?(?:pull|give|get|show|"
    r"find|list|build|send)\s+(?:me|us)\b"
)
_PURPOSE = re.compile(
    rf"^\s*(?:(?:hi|hey|hello)(?:\s+(?:all|team|folks|everyone))?[,!.]?\s+)?{_PURPOSE_LEAD}"
    rf"(?P<body>[^:;.!?()]{{1,90}}?)(?:\s*[:;.!?]\s+|\s+[-\u2013\u2014]+\s+|\s*,\s+|\s+(?={_ASK_AHEAD}))",
    re.IGNORECASE,
)
# "… in Germany - can you pull the RFM champions there?": 'there' is the place the lead named
_THERE = re.compile(r"\bthere\b(?!\s+(?:is|are|was|were|has|have|had|'s)\b)", re.IGNORECASE)
_LEAD_PLACE = re.compile(r"\b(?:in|across|around)\s+((?:the\s+)?[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*)")


def without_scene(request: str) -> tuple[str, str | None]:
    """The request without a first sentence that only sets the scene before the ask (or a lead
    that says what the audience is for), and that lead (None when there is none)."""
    m = _SCENE.match(request)
    if m is not None and _ASK.match(request[m.end() :]):
        return request[m.end() :], m.group(0).strip()
    return _without_purpose(request)


# "… power users - they're the ones most likely to upgrade", "…; because we want to thank them":
# after a stop, why the audience is wanted, not who is in it
_REASON = (
    r"(?:they(?:'re|\s+are)|these\s+are|those\s+are)\s+(?:the\s+ones|(?:the\s+)?(?:most|more)\s+"
    r"likely|likely|probably|usually|our\s+best\s+bet)|they\s+tend\s+to|because\s+(?:they|we)"
    r"|they(?:'re|\s+are|'ll|\s+will)\s+(?:getting|get|receiving|receive|going\s+to\s+get)\b"
)
# "swimwear buyers from July or August - planning next summer", "…, so we can send them a
# coupon", "… for the catalog mailing": a tail that says what the audience is for
_PURPOSE_TAIL = re.compile(
    r"(?:\s+[-\u2013\u2014]+\s+|\s*[,;]\s+|\s+)(?P<tail>(?:planning|prepping|so\s+(?:that\s+)?"
    r"(?:we|i)\s+can|so\s+we\s+could|as\s+we(?:'re|\s+are)|since\s+we(?:'re|\s+are)|"
    rf"in\s+order\s+to|for|to|ahead\s+of|{_REASON})\b[^.?!]*?)\s*[.?!]*\s*$",
    re.IGNORECASE,
)
_SO_WE = re.compile(r"^(?:so|as|since|in\s+order)\b", re.IGNORECASE)


def without_purpose_tail(request: str) -> tuple[str, str | None]:
    """The request without a closing phrase that only says what the audience is for."""
    m = _PURPOSE_TAIL.search(request)
    if m is None:
        return request, None
    tail = m.group("tail")
    spoken = re.match(r"(?:planning|prepping)\b", tail, re.IGNORECASE) or _SO_WE.match(tail)
    separated = bool(re.match(r"\s*[-\u2013\u2014,;]", m.group(0)))
    reason = re.match(_REASON, tail, re.IGNORECASE)
    if reason and not separated:
        return request, None
    if (
        not spoken
        and not reason
        and not (
            separated  # "who clicked the email for the summer sale": that campaign, not a purpose
            and re.match(r"(?:for|to|ahead\s+of)\b", tail, re.IGNORECASE)
            and _purpose_only(tail)
        )
    ):
        return request, None
    rest = request[: m.start()].rstrip(" ,;-\u2013\u2014")
    if len(rest.split()) < 2:
        return request, None
    return rest, tail.strip()


def _purpose_only(tail: str) -> bool:
    """'for the catalog mailing next month', 'to promote the add-on': a purpose noun or verb, and
    no word that would be a condition of its own ('for more than 3 months')."""
    if re.search(r"\d|\b(?:more|less|over|under|at\s+least|at\s+most)\b", tail, re.IGNORECASE):
        return False
    if re.match(
        r"to\s+(?:promote|prep|prepare|plan|support|launch|test|announce|invite|target|"
        r"send|email|reach|offer|upsell|win\s+back|reactivate)\b",
        tail,
        re.IGNORECASE,
    ):
        return True
    return bool(
        re.match(
            r"(?:for|ahead\s+of)\s+(?:our|the|a|an|this|next|my|an?\s+upcoming)\b",
            tail,
            re.IGNORECASE,
        )
    ) and bool(_PURPOSE_NOUN.search(tail))


def _without_purpose(request: str) -> tuple[str, str | None]:
    m = _PURPOSE.match(request)
    if m is None or not (m.group("verb") or _PURPOSE_NOUN.search(m.group("body"))):
        return request, None
    rest, lead = request[m.end() :], m.group(0).strip(" ,;:-\u2013\u2014")
    if len(rest.split()) < 2:
        return request, None
    place = _LEAD_PLACE.search(m.group("body"))
    if place is not None and _THERE.search(rest):
        rest = _THERE.sub(f"in {place.group(1)}", rest, count=1)
    return rest, lead


# "Which of our high spenders are slipping away? I mean the accounts that paid us $10k …": the
# second sentence says what the first meant.
_RESTATED = re.compile(
    r"^(?P<first>[^.?!]+[.?!])\s+(?:i\s+mean|i\.e\.|that\s+is|in\s+other\s+words|"
    r"to\s+be\s+precise|specifically)[,:]?\s+(?P<rest>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)


def restated(request: str) -> tuple[str, str | None]:
    """The request as its restatement says it, and the words it restates (None when none)."""
    m = _RESTATED.match(request.strip())
    if m is None or len(m.group("rest").split()) < 4:
        return request, None
    return m.group("rest"), m.group("first").strip()


def split_steps(request: str) -> list[str]:
    """The request's steps, in order (one step: the request as it is)."""
    parts = [p.strip() for p in _SPLIT.split(request.strip()) if p.strip()]
    if len(parts) < 2:
        return [request]
    steps = [_LEAD.sub("", parts[0]) or parts[0]]
    steps += [_leave_out(_STEP_WORDS.sub("", p)) for p in parts[1:]]
    return steps


# "the top 50 web spenders of 2002, then drop anyone who …", "of the top 100 spenders, keep
# those in Texas": a ranking said first and narrowed after. Read as steps only when the first
# part is a ranking (the caller checks), since the ranking's pool is what was said before it.
_THEN = re.compile(r"\s*,\s*(?:and\s+)?(?:then|after that)[,:]?\s+(?=\S)", re.IGNORECASE)
_RANKED_LEAD = re.compile(
    r"^\s*(?:of|among|from|out\s+of)\s+(?P<rank>[^,]*\b(?:top|bottom|biggest|best|largest|"
    r"highest|lowest|heaviest|smallest)\b[^,]*),\s*(?P<rest>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)


def ranked_steps(request: str) -> list[str]:
    """A ranking and what narrows it after, as two steps (one step: the request as it is)."""
    lead = _RANKED_LEAD.match(request)
    if lead is not None:
        return [lead.group("rank").strip(), lead.group("rest").strip()]
    parts = _THEN.split(request.strip(), maxsplit=1)
    if len(parts) < 2 or len(parts[1].split()) < 2:
        return [request]
    return [_LEAD.sub("", parts[0]) or parts[0], _leave_out(parts[1])]


def _leave_out(step: str) -> str:
    return _LEAVE_OUT.sub("exclude those", step)


def with_earlier_time(step: str, earlier: list[str], times: TimeParser) -> str:
    """'… a store during that same year': the time of the latest earlier step that named
    one, said again."""
    m = _SAME_TIME.search(step)
    if m is None:
        return step
    for before in reversed(earlier):
        said = _latest_time(before, times)
        if said is not None:
            return step[: m.start()] + said + step[m.end() :]
    return step


def same_time_said(text: str, times: TimeParser) -> str:
    """'… in the last 6 months and have not contacted support in the same period': the time
    said earlier in the same request, said again (each time the request points back)."""
    for _ in range(4):
        again = _one_same_time(text, times)
        if again == text:
            return text
        text = again
    return text


def _one_same_time(text: str, times: TimeParser) -> str:
    m = _SAME_TIME.search(text)
    if m is None:
        return text
    found = _times_said(text[: m.start()], times)
    if not found:
        return text
    head = text[: m.start()].rstrip()
    if len(found) > 1 and head.lower().endswith(found[-1].text.strip()):
        # "… in spring 2002 but not in November that year": the clause has its own time, and
        # 'that year' only says which year it falls in (the earlier time's)
        return head + _year_of(found[-2].window, m.group(0), times.as_of) + text[m.end() :]
    return text[: m.start()] + found[-1].text + text[m.end() :]


def _year_of(window: Window, said: str, as_of: date) -> str:
    """' 2002' when 'that year' points back at a time within 2002, else nothing."""
    resolved = resolve(window, as_of)
    last = resolved.end - timedelta(days=1)
    if "year" not in said.lower() or resolved.start is None or resolved.start.year != last.year:
        return ""
    return f" {last.year}"


def _latest_time(text: str, times: TimeParser) -> str | None:
    """The words of the last time the text names, if any."""
    found = _times_said(text, times)
    return found[-1].text if found else None


def _times_said(text: str, times: TimeParser) -> list[TimeMatch]:
    """The times the text names, in the order said (the rules find them in their own order)."""
    marked, found = times.extract(text.lower())
    return sorted(found, key=lambda t: marked.index(t.placeholder))
