"""Blame language, read with a little grammar rather than word by word.

A word list flags "should have priority" and "just after midnight" and misses
"Alice forgot the flag". This finder looks at who does what: a counterfactual
or a "failed to" blames when its subject is a person (a role, a team, a
pronoun for people, a given name or one of the project's people) and is a fact
when its subject is a system. It reads one clause at a time, so a person word
earlier in the sentence does not make a later clause about a system blameful.

It is pure and standard-library only: a dictionary of roles and names, a
participle test and precompiled patterns. Most paragraphs hold no trigger word
at all and cost one regular-expression scan.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from .given_names import GIVEN_NAMES

#: rule -> what it catches; the names are stable (configuration and warnings use them)
RULES: Final[dict[str, str]] = {
    "counterfactual": "modal + have + past participle about a person "
    "('the engineer should have checked', 'we could have caught'), and "
    "'should have been <done>' about a person's task ('should have been caught in review')",
    "judgement": "a judgement of a person's action: adverbs ('mistakenly ran', 'was mistakenly "
    "deleted'), character ('the operator was careless'), 'made a mistake/typo', 'mistakes were "
    "made', 'made a wrong assumption', 'by mistake', 'was an oversight', 'our oversight', "
    "'my mistake', 'a rookie mistake', 'a bad decision', 'was the wrong call', "
    "'human/operator/user error'",
    "blame": "'<person> failed to / forgot / neglected / ignored / did not bother / was not "
    "aware', '<someone else> didn't check', 'didn't think to', 'dropped the ball', 'the "
    "runbook was not followed', 'the failure of <person> to', 'fault', 'our bad', "
    "'that one's on me', 'blame', "
    "'rogue <person>'",
    "exhortation": "telling people to try harder: 'be more careful/aware/vigilant', "
    "'pay more attention', 'remember to', 'double-check', 'do better', 'remind engineers to', "
    "'re-iterate the importance of', in prose and action titles",
    "minimiser": "words that make a person's action look easy or stupid: 'just had to', "
    "'simply forgot', 'obviously', 'of course nobody read it', 'clearly should'",
    "animated": "charged words about what happened: 'ridiculous', 'insane', 'crazy', 'stupid'",
}

SUGGESTIONS: Final[dict[str, str]] = {
    "counterfactual": "say what happened and what made it the reasonable choice at the time",
    "judgement": "describe the conditions that made the action reasonable, not the person",
    "human error": "name the condition that let a normal action cause harm",
    "failed": "describe what the person saw and did, and what the system allowed",
    "forgot": "describe which step nothing reminded or forced, and why",
    "aware": "describe what the person could see at the time, and what would have shown it",
    "blame": "describe the contributing conditions",
    "exhortation": "change the system so that extra care is not needed: a check, a guard, "
    "a default",
    "minimiser": "leave it out: what is obvious now was not obvious then",
    "animated": "state the fact and its effect",
}

#: judgement adverbs on a person's action (``adverbs`` adds more)
DEFAULT_ADVERBS: Final[frozenset[str]] = frozenset(
    """mistakenly carelessly wrongly incorrectly negligently recklessly sloppily lazily
    foolishly stupidly thoughtlessly irresponsibly blindly naively erroneously""".split()
)

#: judgement adverbs that only a person's act earns: in the passive ("was mistakenly
#: deleted") they judge whoever did it; "incorrectly" or "wrongly" also describe systems
#: ("requests were wrongly routed")
AGENT_ADVERBS: Final[frozenset[str]] = frozenset(
    """mistakenly carelessly negligently recklessly sloppily lazily foolishly stupidly
    thoughtlessly irresponsibly""".split()
)
_PASSIVE_BEFORE: Final = re.compile(r"\b(?:was|were|been|being|is|are|be|got|get)\s*$", re.I)

#: nouns and pronouns for people; "they" is here, but not before a system's verb
PERSON_WORDS: Final[frozenset[str]] = frozenset(
    """i we he she they you someone somebody nobody anyone anybody everyone everybody
    whoever who engineer engineers technician technicians operator operators admin admins
    administrator administrators sysadmin sysadmins developer developers dev devs sre sres dba
    dbas on-call oncall on-caller responder responders personnel staff contractor contractors
    team teams employee employees colleague colleagues reviewer reviewers author authors
    manager managers lead leads owner owners member members person people human humans
    intern interns analyst analysts architect architects tester testers
    maintainer maintainers consultant consultants vendor support ops devops folks guy guys
    programmer programmers coder coders approver approvers requester committer committers
    strategist strategists teammate teammates coworker coworkers co-worker co-workers""".split()
)
#: pronouns for people: right before a verb they are its subject, whatever comes before
PRONOUNS: Final[frozenset[str]] = frozenset(
    "i we he she they you someone somebody anyone anybody everyone everybody".split()
)
#: verbs that "they failed to ..." uses for systems (pods, nodes, jobs)
SYSTEM_VERBS: Final[frozenset[str]] = frozenset(
    """start restart boot load connect reconnect respond resolve reach register renew
    schedule ship sync replicate promote elect mount attach detach drain terminate join
    come become recover converge scale pull push build compile deploy run launch answer
    return serve propagate apply update upgrade acquire release bind parse""".split()
)
#: participles that do not end in -ed
IRREGULAR_PARTICIPLES: Final[frozenset[str]] = frozenset(
    """been done known seen taken given gone run written caught thought found made put set
    left kept let told brought built sent spent understood read shut cut hit chosen spotted
    begun drawn driven eaten fallen forgotten gotten got held hidden lost meant paid proven
    shown spoken stolen struck sworn thrown torn undone woken worn rung sung sunk split spun
    spread stood stuck swept taught won withdrawn overseen overtaken rewritten rerun redone
    foreseen mistaken had""".split()
)
#: -ed words that are not participles here ("should have need of", "should have a red")
NOT_PARTICIPLES: Final[frozenset[str]] = frozenset(
    "need speed feed seed bed red hundred shed breed embed".split()
)
#: "would have <these>" states an expectation or a wish, not hindsight ("should have
#: expected" is still hindsight)
STANCE_VERBS: Final[frozenset[str]] = frozenset(
    """expected thought assumed liked loved preferred wanted imagined guessed hoped predicted
    anticipated""".split()
)
#: a person's tasks: "should have been <these>" blames whoever did not do them
HUMAN_TASKS: Final[frozenset[str]] = frozenset(
    """addressed caught rushed tested reviewed noticed spotted checked communicated done
    escalated approved verified validated followed raised reported handled fixed patched
    prioritised prioritized documented announced flagged investigated considered planned
    coordinated rolled reverted disabled read monitored questioned asked told informed
    acknowledged paged
    consulted noticed picked acted updated examined""".split()
)
#: words between a subject and its verb that are not the subject
SKIPPED_BEFORE_VERB: Final[frozenset[str]] = frozenset(
    """also then simply just unfortunately again accidentally inadvertently clearly
    obviously really probably likely not never still already all both first later quickly
    now being been
    had has have was were is are did does do 'd 've had've""".split()
)
PREPOSITIONS: Final[frozenset[str]] = frozenset("of on in at from for with".split())
#: a clause that opens with a gerund ("Deploying on a Friday ..."); not the nouns and
#: prepositions that end in -ing
GERUND_START: Final = re.compile(
    r"\s*(?!(?:some|no|any|every)thing\b|things?\b|strings?\b|springs?\b|rings?\b|kings?\b|"
    r"during\b|morning\b|evening\b|according\b|including\b|regarding\b|following\b|"
    r"pending\b|concerning\b|notwithstanding\b)[A-Za-z]+ing\b",
    re.I,
)
#: a counterfactual inside a belief reports what was believed, not hindsight
_BELIEF: Final = re.compile(r"\b(?:assume|assumed|assuming|assumption)\s+(?:that\s+)?\S+\s*$", re.I)

#: what people do, as a character adjective judges it: "sloppy work", "reckless habits"
CONDUCT: Final = frozenset(
    "work working habits habit behaviour behavior attitude conduct workmanship".split()
)
#: a quotation in double quotation marks, straight or curly, within a paragraph
_QUOTATION: Final = re.compile(r'"[^"\n]{1,300}"|\u201c[^\u201d\n]{1,300}\u201d')
#: a word, or a handle (``@ana``, a person in GitHub and chat) but not an e-mail address
_WORD: Final = re.compile(r"(?<![\w.@])@[A-Za-z][\w-]*|[A-Za-z][\w'-]*")
_SENTENCE_END: Final = re.compile(
    r"(?<!\b[A-Za-z]\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)[.!?]+[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])"
    r"|\n\s*\n|\n\s*(?:[-*+]|\d+[.)])\s+|\|"
)
#: where a clause starts: punctuation and the conjunctions that start a new subject
_CLAUSE_START: Final = re.compile(
    r"[,;:()\[\]]|\s[-\u2013\u2014]\s|\b(?:and|but|or|so|because|since|when|while|which|that|"
    r"after|before|although|though|if|as|until|where|whereas|unless|once|then)\b",
    re.I,
)
_IMPERATIVE_LEAD: Final = re.compile(
    r"^\s*(?:(?:please|always|also|and|then|lesson|lessons|learned|learnt|action|todo|to|"
    r"going\s+forward|in\s+future|next\s+time)\b\s*:?\s*)*$",
    re.I,
)
_OBLIGATION: Final = re.compile(
    r"\b(?:should|must|shall|will|need|needs|needed|have|has|had|ought|try|tries|'ll|going)"
    r"(?:\s+to)?(?:\s+(?:always|also|really|all|just|now|all))*\s*$",
    re.I,
)
_CONDITIONAL: Final = re.compile(r"\b(?:if|unless|had|with|without|otherwise)\b", re.I)
#: what people are asked to follow: "the runbook was not followed" blames whoever did not
_PROCESS: Final = re.compile(
    r"\b(?:process|procedure|procedures|runbook|runbooks|checklist|policy|policies|"
    r"instructions|guidance|guidelines|steps|playbook|rules)\b",
    re.I,
)


@dataclass(frozen=True)
class Hit:
    """One piece of blame language: the words as written, the rule, a neutral wording."""

    term: str
    rule: str
    suggestion: str
    start: int


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """The (start, end) of each sentence of ``text``; list items and table cells apart."""
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if text[start : match.start()].strip():
            yield start, match.end()
        start = match.end()
    if text[start:].strip():
        yield start, len(text)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


@dataclass(frozen=True)
class _Context:
    """The text around one match: its sentence, and its clause up to the match."""

    text: str
    names: frozenset[str]

    def sentence(self, start: int) -> tuple[int, int]:
        for begin, end in sentences(self.text):
            if begin <= start < end:
                return begin, end
        return 0, len(self.text)

    def clause_before(self, start: int) -> str:
        begin = self.sentence(start)[0]
        before = self.text[begin:start]
        cut = 0
        for match in _CLAUSE_START.finditer(before):
            cut = match.end()
        return before[cut:]

    def is_person(self, words: list[str], verb: str = "") -> bool:
        """Whether the noun phrase ``words`` (as written) names a person."""
        if not words:
            return False
        last = words[-1].lower()
        if last in PRONOUNS and not (last == "they" and verb in SYSTEM_VERBS):
            return True  # "... in the live cluster, we could have": the pronoun is the subject
        # "the engineer on call", "the owner of the service": the head is before the preposition
        for index, word in enumerate(words[1:], 1):
            if word.lower() in PREPOSITIONS:
                words = words[:index]
                break
        head = words[-1].lower()
        if head.startswith("@"):
            return True  # a handle names a person (or a team of people)
        if head in ("who", "that") and len(words) == 1:
            return head == "who"
        if head == "they" and verb in SYSTEM_VERBS:
            return False
        if head in PERSON_WORDS or head.removesuffix("'s") in PERSON_WORDS:
            return True
        tail: list[str] = []
        for word in reversed(words):
            if not word[:1].isupper() or len(tail) == 3:
                break
            tail.insert(0, word.removesuffix("'s"))
            if word.removesuffix("'s").lower() in GIVEN_NAMES:
                return True
        return bool(tail) and (
            " ".join(tail).lower() in self.names or tail[0].lower() in self.names
        )

    def subject_before(self, start: int, verb: str = "") -> bool:
        """Whether the subject right before ``start`` (past auxiliaries and adverbs) is a person."""
        words = _words(self.clause_before(start))
        while words and (
            words[-1].lower() in SKIPPED_BEFORE_VERB or words[-1].lower() in DEFAULT_ADVERBS
        ):
            words.pop()
        lowered = [word.lower() for word in words]
        for who in ("whoever", "who"):
            if who in lowered:  # "whoever approved it", "the developer who wrote it"
                index = lowered.index(who)
                return index == 0 or self.is_person(words[:index], verb)
        return self.is_person(words, verb)

    def clause_subject(self, start: int) -> bool:
        """Whether the first noun phrase of the clause (its subject) is a person."""
        words = _words(self.clause_before(start))
        phrase: list[str] = []
        for word in words:
            lowered = word.lower()
            if lowered in SKIPPED_BEFORE_VERB or (lowered.endswith("ed") and phrase):
                break
            phrase.append(word)
        return self.is_person(phrase)

    def imperative_or_obliged(self, start: int) -> tuple[bool, bool]:
        """(is it an instruction to someone, is its subject an explicit non-person)."""
        begin, end = self.sentence(start)
        if self.text[begin : end + 1].rstrip().endswith("?"):
            return False, False  # "How will we do better?" asks; it tells nobody anything
        before = self.clause_before(start)
        if _IMPERATIVE_LEAD.match(before):
            return True, False
        obligation = _OBLIGATION.search(before)
        if obligation:
            words = _words(before[: obligation.start()])
            if not words or _IMPERATIVE_LEAD.match(before[: obligation.start()]):
                return True, False
            person = self.is_person(words)
            return person, not person
        # no instruction and no obligation: a statement ("they had become aware of it")
        return False, not self.subject_before(start)


Check = Callable[[_Context, re.Match[str]], bool]


def _participle(word: str) -> bool:
    word = word.lower()
    if word in IRREGULAR_PARTICIPLES:
        return True
    return len(word) > 4 and word.endswith("ed") and word not in NOT_PARTICIPLES


def _counterfactual(ctx: _Context, match: re.Match[str]) -> bool:
    verb = match["verb"].lower()
    modal = match["modal"].lower().split()[0].removesuffix("n't")
    if not _participle(verb):
        return False  # "should have priority": possession, not a counterfactual
    if verb == "been" and (match["next"] or "").lower() in HUMAN_TASKS:
        return modal in ("should", "ought", "shouldn't")
    if modal in ("would", "might") and verb in STANCE_VERBS:
        return False  # "a load we would have expected months from now": an expectation
    if modal in ("could", "would", "might"):
        begin, end = ctx.sentence(match.start())
        condition = next(  # the condition, not the "had" of "would have had"
            (
                found
                for found in _CONDITIONAL.finditer(ctx.text, begin, end)
                if not match.start() <= found.start() < match.end()
            ),
            None,
        )
        if condition:
            # "if the alert had fired, we would have acted" is about the alert; "it would
            # have been shorter if we had noticed" is about people, whatever the subject
            return _person_condition(ctx, condition)
    clause = ctx.clause_before(match.start())
    if GERUND_START.match(clause) or _BELIEF.search(clause):
        return False  # "appointing a manager could have helped"; "assume we could have"
    if modal == "must" and re.search(r"\bI\s*$", clause):
        return False  # "I must have clicked the wrong link": a guess about oneself
    if verb != "been" and modal in ("should", "ought"):
        begin = ctx.sentence(match.start())[0]
        opening = ctx.text[begin : match.start()]
        if re.fullmatch(r"\s*(?:[-*+]\s+)?|.*(?::|\s[-\u2013\u2014])\s*", opening, re.S):
            return True  # "- should have drained one host first": the writers, unnamed
    return ctx.subject_before(match.start())


def _person_condition(ctx: _Context, condition: re.Match[str]) -> bool:
    """Whether a condition is about people: "if we had noticed", "had the on-call known"."""
    if condition[0].lower() not in ("if", "had", "unless"):
        return False
    words = _words(ctx.text[condition.end() : condition.end() + 60])
    first = [word.lower() for word in words[:6]]
    past = {"had", "hadn't"} & set(first) or any(word.endswith("'d") for word in first)
    if condition[0].lower() != "had" and not past:
        return False  # "if we have to move it": not a condition on what was done
    if condition[0].lower() != "had":
        at = next(i for i, w in enumerate(first) if w in ("had", "hadn't") or w.endswith("'d"))
        verb = [w for w in first[at + 1 :] if w not in ("not", "never", "already", "only", "just")]
        if verb and not _participle(verb[0]):
            return False  # "if you had a cached session": what someone had, not what was done
    if {"not", "hadn't", "never"} & set(first[:4]):
        return False  # "had we not been watching, it would have spread": credit, not blame
    phrase: list[str] = []
    for word in words[:4]:
        lowered = word.lower()
        if lowered in SKIPPED_BEFORE_VERB or lowered in ("not", "only") or _participle(word):
            break  # "had we taken the time": the subject ends at the verb
        phrase.append(word.removesuffix("'d"))
        if word.endswith("'d"):
            break  # "if we'd paged"
    return bool(phrase) and ctx.is_person(phrase)


def _person_before(ctx: _Context, match: re.Match[str]) -> bool:
    return ctx.subject_before(match.start(), (match.groupdict().get("verb") or "").lower())


def _words_before_verb(ctx: _Context, start: int) -> list[str]:
    """The clause's words before ``start``, less its auxiliaries and adverbs: the subject
    is last."""
    words = _words(ctx.clause_before(start))
    while words and words[-1].lower() in SKIPPED_BEFORE_VERB:
        words.pop()
    return words


def _someone_else_before(ctx: _Context, match: re.Match[str]) -> bool:
    """An omission pinned on another person ('he didn't check'); 'we did not test' is the
    team's own account of its work, and stays a fact."""
    words = _words_before_verb(ctx, match.start())
    if not words or words[-1].lower() in ("i", "we", "us", "you"):
        return False
    return ctx.subject_before(match.start(), match["act"].lower())


def _failure_of(ctx: _Context, match: re.Match[str]) -> bool:
    return ctx.is_person(_words(match["who"]))


def _adverb(ctx: _Context, match: re.Match[str]) -> bool:
    if ctx.subject_before(match.start()) or ctx.clause_subject(match.start()):
        return True
    passive = _PASSIVE_BEFORE.search(ctx.clause_before(match.start()))
    if passive and match[0].lower() in AGENT_ADVERBS:
        after = _words(ctx.text[match.end() : match.end() + 30])
        if after and _participle(after[0]):
            return True  # "the data was mistakenly deleted": somebody did it, and is judged
    end = ctx.sentence(match.start())[1]
    agent = re.search(r"\bby\s+((?:\w+\s+){0,3}\w+)", ctx.text[match.end() : end])
    return bool(agent) and ctx.is_person(_words(agent[1]) if agent else [])


def _character(ctx: _Context, match: re.Match[str]) -> bool:
    after = _words(ctx.text[match.end() : match.end() + 40])
    if after and after[0].lower() in PERSON_WORDS:
        return True
    if after and after[0].lower() in CONDUCT:
        return True  # "reckless working habits", "sloppy work": a person's conduct judged
    clause = ctx.clause_before(match.start())
    if re.search(
        r"\b(?:was|were|is|are|been|being|be|seemed|got)\s+(?:(?:very|too|a\s+bit|probably|"
        r"clearly|quite|rather|really|pretty|somewhat)\s+)?$",
        clause,
        re.I,
    ):
        begin = ctx.sentence(match.start())[0]
        opening = re.sub(r"^\W+", "", ctx.text[begin : match.start()])
        if (
            GERUND_START.match(clause)
            or re.match(r"\s*it\b", clause, re.I)
            or (GERUND_START.match(opening) and not re.match(r"\s*\w+ing\s*,", opening))
        ):
            return True  # "Deploying on a Friday, before a holiday, was negligent"
        return ctx.clause_subject(match.start())
    return False


def _decision(ctx: _Context, match: re.Match[str]) -> bool:
    """'a bad decision' judges whoever decided; 'the planner made a bad decision' is a system."""
    before = ctx.text[: match.start()]
    made = re.search(r"\b(?:made|make|makes|making)\s+(?:a|an|the|some|several)?\s*$", before)
    return not made or ctx.subject_before(made.start())


def _owned_oversight(ctx: _Context, match: re.Match[str]) -> bool:
    """'our oversight', 'my mistake', 'an oversight on our part'; not 'under our oversight'
    (supervision) nor 'we learn from our mistake'."""
    before = ctx.text[max(0, match.start() - 20) : match.start()].lower()
    if re.search(r"\b(?:under|with|without|of|for|from|lack|lacks|more|less|no)\s*$", before):
        return False
    owner = match["owner"]
    if owner is None or owner.lower() in ("my", "our", "his", "her", "their", "your"):
        return True
    return ctx.is_person([*_words(ctx.clause_before(match.start())), owner])


_DENIAL_BEFORE: Final = re.compile(
    r"\b(?:not|never|no|nor|without|any|every|nobody|noone|no\s+one)\b|n't\b", re.I
)
_DENIAL_AFTER: Final = re.compile(r"^\W*(?:is|was|are|were)\s+(?:never|not)\b|^\W*isn't\b", re.I)


def _not_denied(ctx: _Context, match: re.Match[str]) -> bool:
    """Not in a denial or a statement of principle: 'this is not a process for assigning
    blame', 'it was not human error', 'operator error is never a root cause'."""
    if _DENIAL_BEFORE.search(ctx.clause_before(match.start())):
        return False
    return not _DENIAL_AFTER.search(ctx.text[match.end() : match.end() + 20])


def _always(ctx: _Context, match: re.Match[str]) -> bool:
    return True


def _possessive_fault(ctx: _Context, match: re.Match[str]) -> bool:
    owner = match["owner"]
    if owner.lower() in ("my", "our", "his", "her", "their", "your"):
        return True
    return ctx.is_person([*_words(ctx.clause_before(match.start())), owner])


def _at_fault(ctx: _Context, match: re.Match[str]) -> bool:
    words = _words_before_verb(ctx, match.start())
    if words and words[-1].lower() in ("nobody", "one", "noone"):
        return False  # "no one is at fault" says the opposite
    return ctx.is_person(words)


def _fault_of(ctx: _Context, match: re.Match[str]) -> bool:
    return ctx.is_person(_words(match["who"]))


def _exhortation(ctx: _Context, match: re.Match[str]) -> bool:
    obliged, not_person = ctx.imperative_or_obliged(match.start())
    quality = (match.groupdict().get("quality") or "careful").lower()
    if not_person:
        # nobody asks a dashboard to be more careful; it may be asked to be more aware
        return quality in (
            "careful",
            "carefully",
            "vigilant",
            "diligent",
            "attentive",
            "cautious",
            "prudent",
            "conscientious",
        )
    return obliged


def _base_exhortation(ctx: _Context, match: re.Match[str]) -> bool:
    obliged, not_person = ctx.imperative_or_obliged(match.start())
    return obliged and not not_person


def _reminder(ctx: _Context, match: re.Match[str]) -> bool:
    """Reminding people to comply, as an action: "Remind engineers to", "we will re-iterate"."""
    before = ctx.clause_before(match.start())
    return bool(_IMPERATIVE_LEAD.match(before) or _OBLIGATION.search(before))


def _not_aware(ctx: _Context, match: re.Match[str]) -> bool:
    """'the on-call was not aware of the runbook'; 'we were not aware the code did that' is
    the team's own account of what it knew, as 'we did not test' is of what it did."""
    words = _words_before_verb(ctx, match.start())
    if words and words[-1].lower() in ("i", "we"):
        return False
    return ctx.subject_before(match.start()) or ctx.clause_subject(match.start())


def _process_not_followed(ctx: _Context, match: re.Match[str]) -> bool:
    return bool(_PROCESS.search(ctx.clause_before(match.start())))


def _minimiser_person(ctx: _Context, match: re.Match[str]) -> bool:
    return ctx.subject_before(match.start())


_FAILING: Final = re.compile(
    r"\b(?:should|shouldn't|must|ought|needed|had\s+to|forgot|failed|didn't|did\s+not|"
    r"missed|ignored|never|neglected|overlooked)\b",
    re.I,
)


def _of_course(ctx: _Context, match: re.Match[str]) -> bool:
    """'of course nobody read it', 'of course he should have': a failure made to look plain;
    'of course we had a message from the pool' is a conversational aside."""
    end = ctx.sentence(match.start())[1]
    words = _words(ctx.text[match.end() : end])[:8]
    lowered = [word.lower() for word in words]
    if {"nobody", "noone", "no-one"} & set(lowered) or "no one" in " ".join(lowered):
        return True
    for index, word in enumerate(words):
        if ctx.is_person([word]) and _FAILING.search(" ".join(words[index + 1 : index + 4])):
            return True
    return False


def _obviously(ctx: _Context, match: re.Match[str]) -> bool:
    before = ctx.text[max(0, match.start() - 12) : match.start()].lower()
    return not re.search(
        r"(?:\bnot|n't|\bnon-?|\bchange|\bno|thing(?:\s+(?:was|were|is|looked|seemed))?|\bvery|"
        r"\bso|\bquite|\bless|\bmore|\bmost)\s*$",
        before,
    )


_ADVERB_TEMPLATE = r"\b(?:{})\b"
#: punctuation to spaces, so that a split gives the words of a text
_PUNCTUATION: Final = str.maketrans(
    dict.fromkeys('!"#$%&()*+,./:;<=>?@[\\]^_`{|}~\u2014\u2013', " ")
)


Triggers = tuple[frozenset[str], ...]


def _w(*groups: str) -> Triggers:
    """Groups of words: the text must hold one word of each group for the pattern to run."""
    return tuple(frozenset(words.split()) for words in groups)


#: (rule, suggestion key, pattern, check, trigger words: one of each group must be in the
#: text, and the first group is the one looked for first);
#: patterns are compiled once, at import
PATTERNS: Final[list[tuple[str, str, re.Pattern[str], Check, Triggers]]] = [
    (
        "counterfactual",
        "counterfactual",
        re.compile(
            r"\b(?P<modal>should|could|would|must|might|ought(?:n't|\s+not|\s+never)?\s+to)"
            r"(?:n't|\s+not|\s+never)?(?:\s+(?:have|of|had)\b|'ve\b)"
            r"(?:\s+(?:\w+ly|also|already|just|never|not|really|even|all|both))?"
            r"\s+(?P<verb>[A-Za-z]+)(?:\s+(?P<next>[A-Za-z]+))?",
            re.I,
        ),
        _counterfactual,
        _w(
            "should could would must might ought should've could've would've must've"
            " might've shouldn't couldn't wouldn't mustn't oughtn't"
        ),
    ),
    (
        "blame",
        "failed",
        re.compile(r"\b(?:failed|fails|fail)\s+to\s+(?P<verb>[A-Za-z]+)", re.I),
        _person_before,
        _w("failed fails fail"),
    ),
    (
        "blame",
        "forgot",
        re.compile(
            r"\b(?:forgot|forgets|forget|forgotten|neglected|neglects|ignored|ignores|overlooked|"
            r"did\s+not\s+bother|didn't\s+bother|never\s+bothered|bothered\s+not|"
            r"did\s+not\s+follow|didn't\s+follow)\b",
            re.I,
        ),
        _person_before,
        _w(
            "forgot forgets forget forgotten neglected neglects ignored ignores overlooked "
            "bother bothered follow"
        ),
    ),
    (
        "blame",
        "failed",
        re.compile(
            r"\b(?:did\s+not|didn't|never)\s+"
            r"(?:(?:adequately|properly|sufficiently|thoroughly|carefully|fully)\s+)?"
            r"(?P<act>check|test|verify|validate|consider|"
            r"anticipate|notice|realise|realize|review|confirm|read|warn|tell|ask)\b",
            re.I,
        ),
        _someone_else_before,
        _w(
            "check test verify validate consider anticipate notice realise realize review "
            "confirm read warn tell ask"
        ),
    ),
    (
        "blame",
        "forgot",
        # only people are said not to have thought of a step
        re.compile(r"\b(?:did\s+not|didn't|never)\s+(?:think|thought)\s+to\b", re.I),
        _always,
        _w("think thought"),
    ),
    (
        "blame",
        "forgot",
        re.compile(r"\b(?:nobody|no\s+one)\s+bothered\b", re.I),
        _always,
        _w("bothered"),
    ),
    (
        "blame",
        "failed",
        re.compile(r"\bfailures?\s+of\s+(?P<who>(?:[\w'-]+\s+){0,3}?[\w'-]+)\s+to\b", re.I),
        _failure_of,
        _w("failure failures"),
    ),
    (
        "blame",
        "aware",
        re.compile(
            r"\b(?:was|were|is|are)(?:n't|\s+not)\s+(?:fully\s+|entirely\s+|really\s+)?aware\b|"
            r"\bunaware\b",
            re.I,
        ),
        _not_aware,
        _w("aware unaware"),
    ),
    (
        "blame",
        "forgot",
        re.compile(r"\b(?:was|were)(?:n't|\s+not)\s+(?:properly\s+|fully\s+)?followed\b", re.I),
        _process_not_followed,
        _w("followed"),
    ),
    (
        "blame",
        "blame",
        re.compile(
            r"\b(?:my|our|his|her|their|your)\s+bad\b"
            r"(?=\s*(?:[.,;:!)\u2013\u2014-]|$|(?:as|because|since|for|here|again|and)\b))",
            re.I,
        ),
        _always,
        _w("bad"),
    ),
    ("blame", "blame", re.compile(r"\bat\s+fault\b", re.I), _at_fault, _w("fault")),
    (
        "blame",
        "blame",
        re.compile(r"\bfault\s+of\s+(?P<who>(?:[\w'-]+\s+){0,3}[\w'-]+)", re.I),
        _fault_of,
        _w("fault"),
    ),
    (
        "blame",
        "blame",
        re.compile(r"\b(?P<owner>[\w-]+'s|my|our|his|her|their|your)\s+fault\b", re.I),
        _possessive_fault,
        _w("fault"),
    ),
    (
        "blame",
        "blame",
        # owning a failure: "that one's on me", "this is on us"; not "it is on us to fix it"
        re.compile(
            r"\b(?:that|this)(?:'s|\s+one's|\s+one\s+is|\s+is|\s+was|\s+one\s+was)\s+"
            r"(?:(?:all|entirely|squarely|really)\s+)?on\s+(?:me|us)\b(?!\s+to\b)",
            re.I,
        ),
        _not_denied,
        _w("me us"),
    ),
    (
        "blame",
        "blame",
        re.compile(r"(?<!git )\b(?:blame|blamed|blames|blaming|blameworthy)\b", re.I),
        _not_denied,
        _w("blame blamed blames blaming blameworthy"),
    ),
    (
        "blame",
        "blame",
        re.compile(
            r"\brogue\s+(?:engineer|engineers|employee|employees|admin|admins|administrator|"
            r"developer|developers|operator|operators|user|users|insider|staff|contractor)\b|"
            r"\b(?:went|gone|going|go)\s+rogue\b",
            re.I,
        ),
        _always,
        _w("rogue"),
    ),
    (
        "judgement",
        "human error",
        re.compile(
            r"\b(?:human|operator|operational|user|pilot|personnel|staff|manual)\s+"
            r"(?:error|errors|mistake|mistakes)\b(?!\s+(?:rate|rates|count|counts|page|pages|"
            r"message|messages|budget|ratio|logs?|code|codes))",
            re.I,
        ),
        _not_denied,
        _w(
            "human operator operational user pilot personnel staff manual",
            "error errors mistake mistakes",
        ),
    ),
    (
        "judgement",
        "judgement",
        re.compile(
            r"\b(?:mistakes?|errors?|typos?|blunders?)\s+(?:was|were|had\s+been|has\s+been|"
            r"have\s+been)\s+made\b(?!\s+(?:visible|available|public|optional|possible|worse|"
            r"better|readable|accessible|obvious|clear|to|into|in)\b)",
            re.I,
        ),
        _always,
        _w("made", "mistake mistakes error errors typo typos blunder blunders"),
    ),
    (
        "judgement",
        "judgement",
        re.compile(r"\b(?:am|are|is|was|were)\s+(?:really\s+|very\s+|so\s+)?bad\s+at\b", re.I),
        _person_before,
        _w("bad"),
    ),
    (
        "judgement",
        "judgement",
        re.compile(
            r"\brookie\s+(?:move|moves|mistake|mistakes|error|errors)\b|"
            r"\b(?:was|were|is|been)\s+(?:a|the)\s+(?:wrong|bad|poor)\s+call\b"
            r"(?!\s*(?:to|from|of|in|on|for|site|sites|stack|chain|graph|path)\b)",
            re.I,
        ),
        _not_denied,
        _w("rookie call"),
    ),
    (
        "judgement",
        "judgement",
        re.compile(
            r"\bmisjudg(?:ed|es|e|ing)\b|"
            r"\b(?:laziness|carelessness|negligence|sloppiness|incompetence|recklessness)\b",
            re.I,
        ),
        _not_denied,
        _w(
            "misjudged misjudges misjudge misjudging laziness carelessness negligence "
            "sloppiness incompetence recklessness"
        ),
    ),
    (
        "blame",
        "blame",
        re.compile(
            r"\bdr[oa]p(?:ped|s|ping)?\s+the\s+ball\b|\basleep\s+at\s+the\s+(?:wheel|switch)\b",
            re.I,
        ),
        _person_before,
        _w("ball asleep"),
    ),
    (
        "judgement",
        "human error",
        re.compile(r"\bfat[-\s]?finger(?:ed|s)?\b", re.I),
        _always,
        _w("finger fingered fingers fat-finger fat-fingered fat-fingers fatfinger fatfingered"),
    ),
    (
        "judgement",
        "judgement",
        re.compile(
            r"\b(?:made|make|makes|making)\s+(?:a|an|the|one|two|several|some|many|multiple)?\s*"
            r"(?:\w+\s+)?(?:mistake|mistakes|typo|typos|error|errors|blunder|blunders)\b"
            r"(?!\s+(?:rate|rates|count|counts|budget|visible|appear|disappear|fall|rise|go))",
            re.I,
        ),
        _not_denied,
        _w(
            "mistake mistakes typo typos error errors blunder blunders",
            "made make makes making",
        ),
    ),
    (
        "judgement",
        "judgement",
        re.compile(
            r"\b(?:made|make|makes|making)\s+(?:an?\s+|the\s+|some\s+|several\s+)?"
            r"(?:incorrect|wrong|bad|false|faulty|poor|mistaken|careless)\s+"
            r"(?:assumption|assumptions|guess|guesses)\b",
            re.I,
        ),
        _person_before,
        _w("assumption assumptions guess guesses", "made make makes making"),
    ),
    (
        "judgement",
        "judgement",
        re.compile(
            r"\b(?:was|were|is)\s+(?:a\s+)?(?:big\s+|huge\s+|clear\s+|real\s+)?mistake\b|"
            r"\b(?:was|were|is)\s+(?:an?\s+)?(?:honest\s+|simple\s+|big\s+|clear\s+)?"
            r"oversight\b(?!\s+(?:board|body|committee|role|function|group))|"
            r"\bby\s+mistake\b",
            re.I,
        ),
        _always,
        _w("mistake oversight"),
    ),
    (
        "judgement",
        "judgement",
        re.compile(
            r"\b(?:careless|sloppy|negligent|lazy|incompetent|reckless|irresponsible|"
            r"inattentive|clumsy|thoughtless|unwise|inadvisable|ill-advised|ill-judged|"
            r"misguided|inexperienced)\b",
            re.I,
        ),
        _character,
        _w(
            "careless sloppy negligent lazy incompetent reckless irresponsible "
            "inattentive clumsy thoughtless unwise inadvisable ill-advised ill-judged misguided "
            "inexperienced"
        ),
    ),
    (
        "judgement",
        "judgement",
        re.compile(
            r"\b(?:poor|bad|wrong|unwise|careless|reckless|questionable)\s+"
            r"(?:decision|decisions|judgement|judgment)\b|"
            r"\b(?:lapse|lapses|error|errors)\s+(?:in|of)\s+(?:judgement|judgment)\b",
            re.I,
        ),
        _decision,
        _w("decision decisions judgement judgment"),
    ),
    (
        "judgement",
        "judgement",
        re.compile(
            r"\b(?P<owner>my|our|his|her|their|your|[\w-]+'s)\s+(?:own\s+|honest\s+|big\s+)?"
            r"(?:oversights?|mistake|blunder|ignorance)\b|"
            r"\b(?:oversights?|mistakes?|ignorance)\s+on\s+(?:our|my|his|her|their|your|"
            r"the\s+part\s+of)\b",
            re.I,
        ),
        _owned_oversight,
        _w("oversight oversights mistake mistakes blunder ignorance"),
    ),
    (
        "exhortation",
        "exhortation",
        re.compile(
            r"\b(?:be|become|get|stay|remain)\s+(?:(?:a\s+)?(?:lot|bit|little|much)\s+)?"
            r"(?:more\s+|extra\s+|especially\s+|very\s+)?(?P<quality>careful|aware|vigilant|"
            r"diligent|attentive|cautious|thorough|alert|mindful|prudent|rigorous|disciplined|"
            r"conscientious|proactive)\b",
            re.I,
        ),
        _exhortation,
        _w(
            "careful aware vigilant diligent attentive cautious thorough alert mindful prudent "
            "rigorous disciplined conscientious proactive",
            "be become get stay remain",
        ),
    ),
    (
        "exhortation",
        "exhortation",
        re.compile(r"\bmore\s+(?P<quality>carefully)\b", re.I),
        _exhortation,
        _w("carefully"),
    ),
    (
        "exhortation",
        "exhortation",
        re.compile(
            r"\bpay(?:ing)?\s+(?:more\s+|closer\s+|better\s+|extra\s+|careful\s+|greater\s+)?"
            r"attention\b|\btak(?:e|ing)\s+(?:more|extra|greater)\s+care\b|\bremember\s+to\b|"
            r"\bdouble[-\s]check\b",
            re.I,
        ),
        _base_exhortation,
        _w("attention care remember double-check double"),
    ),
    (
        "exhortation",
        "exhortation",
        re.compile(
            r"\b(?:be|get|become)\s+(?:much\s+|a\s+lot\s+)?better\s+at\b|"
            r"\bdo\s+(?:much\s+|a\s+lot\s+)?better\b|\btry\s+harder\b",
            re.I,
        ),
        _base_exhortation,
        _w("better harder"),
    ),
    (
        "exhortation",
        "exhortation",
        re.compile(
            r"\b(?:remind|re-?iterate|reinforce|emphasi[sz]e|stress)(?:s|d|ed)?\s+"
            r"(?:(?:again|once\s+more)\s+)?(?:the\s+)?(?:need|importance)\s+(?:for|of|to)\b|"
            r"\bremind(?:s|ed)?\s+(?:all\s+|the\s+|our\s+)?(?:engineers|developers|teams|"
            r"people|staff|everyone|users|operators|responders|reviewers)\s+(?:to|of)\b",
            re.I,
        ),
        _reminder,
        _w(
            "remind reminds reminded reiterate re-iterate reiterated re-iterated reinforce "
            "reinforced emphasise emphasize emphasised emphasized stress stressed"
        ),
    ),
    (
        "blame",
        "failed",
        re.compile(
            r"\bdespite\s+(?:being\s+(?:aware|told|warned)|knowing|(?:the\s+)?warnings?)\b",
            re.I,
        ),
        _always,
        _w("despite"),
    ),
    (
        "minimiser",
        "minimiser",
        re.compile(
            r"\b(?:just|simply|only)\s+(?:had|needed|need|needs|has|have)\s+to\b|"
            r"\b(?:just|simply)\s+(?:forgot|ignored|neglected|missed|overlooked|didn't|"
            r"did\s+not|failed|skipped|assumed|ran|clicked|typed)\b",
            re.I,
        ),
        _minimiser_person,
        _w("just simply only"),
    ),
    (
        "minimiser",
        "minimiser",
        re.compile(
            r"\ball\s+(?:he|she|they|we|you|I|(?:the|an?)\s+\w+)\s+(?:had|needed|has)\s+to\s+do\b|"
            r"\bclearly\s+(?:should|shouldn't|ought|must|needed|wrong)\b",
            re.I,
        ),
        _always,
        _w("do clearly"),
    ),
    (
        "minimiser",
        "minimiser",
        re.compile(r"\bobviously\b", re.I),
        _obviously,
        _w("obviously"),
    ),
    (
        "minimiser",
        "minimiser",
        re.compile(r"\bof\s+course\b", re.I),
        _of_course,
        _w("course"),
    ),
    (
        "animated",
        "animated",
        re.compile(r"\b(?:ridiculous|insane|crazy|stupid|idiotic|dumb|silly|absurd)\b", re.I),
        _always,
        _w("ridiculous insane crazy stupid idiotic dumb silly absurd"),
    ),
    (
        "animated",
        "animated",
        re.compile(r"\b(?:this|that|it)\s+(?:really\s+)?(?:sucks|sucked)\b", re.I),
        _always,
        _w("sucks sucked"),
    ),
]


class BlameFinder:
    """Finds blame language in plain text, rule by rule.

    ``extra_terms`` adds plain terms (rule -> term -> suggestion) flagged wherever
    they stand outside a quotation; ``allow`` lists terms never flagged; ``off`` turns rules off;
    ``people`` are names that count as people in every text; ``adverbs`` adds
    judgement adverbs to :data:`DEFAULT_ADVERBS`.
    """

    def __init__(
        self,
        *,
        extra_terms: Mapping[str, Mapping[str, str]] = {},
        allow: Iterable[str] = (),
        off: Iterable[str] = (),
        people: Iterable[str] = (),
        adverbs: Iterable[str] = (),
    ) -> None:
        self.off = frozenset(off)
        self.allow = frozenset(" ".join(term.lower().split()) for term in allow)
        self.people = _names(people)
        self.patterns = [p for p in PATTERNS if p[0] not in self.off]
        words = sorted({*DEFAULT_ADVERBS, *(a.lower() for a in adverbs)} - self.allow)
        if "judgement" not in self.off and words:
            adverb = re.compile(_ADVERB_TEMPLATE.format("|".join(map(re.escape, words))), re.I)
            self.patterns.append(("judgement", "judgement", adverb, _adverb, (frozenset(words),)))
        self.extra: dict[str, tuple[str, str]] = {
            " ".join(term.lower().split()): (rule, suggestion)
            for rule, entries in extra_terms.items()
            if rule not in self.off
            for term, suggestion in entries.items()
            if term.strip()
        }
        if self.extra:
            alternatives = "|".join(
                re.escape(term).replace(r"\ ", r"\s+")
                for term in sorted(self.extra, key=len, reverse=True)
            )
            self.extra_pattern: re.Pattern[str] | None = re.compile(
                rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.I
            )
        else:
            self.extra_pattern = None
        # the words of a text choose the patterns worth running: most paragraphs
        # hold none of the trigger words and cost one split
        self.words = frozenset().union(*(p[4][0] for p in self.patterns))
        #: a word of a pattern's first trigger group -> the patterns it may start
        self.by_word: dict[str, list[int]] = {}
        for number, found in enumerate(self.patterns):
            for word in found[4][0]:
                self.by_word.setdefault(word, []).append(number)

    def find(self, text: str, people: Iterable[str] = ()) -> Iterator[Hit]:
        """Each piece of blame language in ``text``, in order; ``people`` are extra names."""
        text = text.replace("\u2019", "'")
        hits: list[Hit] = []
        quoted = _quoted(text)  # no search at all in a text without a double quotation mark
        tokens = text.lower().translate(_PUNCTUATION).split()
        # most texts hold no trigger word: the test stops at the first one, with no set built
        if not self.words.isdisjoint(tokens):
            words = set(tokens)
            names = self.people | _names(people) if people else self.people
            ctx = _Context(text, names)
            taken: list[tuple[int, int]] = [*quoted]
            # only the patterns one of the text's words may start, in their order
            candidates = {n for word in words & self.words for n in self.by_word[word]}
            for number in sorted(candidates):
                rule, key, pattern, check, triggers = self.patterns[number]
                if any(words.isdisjoint(group) for group in triggers[1:]):
                    continue
                for match in pattern.finditer(text):
                    span = match.span()
                    term = text[span[0] : span[1]]
                    if "verb" in pattern.groupindex:  # the verb is context, not the term
                        term = text[span[0] : match.start("verb")].rstrip()
                        span = (span[0], span[0] + len(term))
                    if " ".join(term.lower().split()) in self.allow:
                        continue
                    if any(s < span[1] and span[0] < e for s, e in taken):
                        continue
                    if check(ctx, match):
                        taken.append(span)
                        hits.append(Hit(term, rule, SUGGESTIONS[key], span[0]))
        if self.extra_pattern is not None:
            for match in self.extra_pattern.finditer(text):
                key = " ".join(match[0].lower().split())
                if key in self.allow or any(h.start == match.start() for h in hits):
                    continue
                if any(s <= match.start() < e for s, e in quoted):
                    continue
                rule, suggestion = self.extra[key]
                hits.append(Hit(match[0], rule, suggestion, match.start()))
        yield from sorted(hits, key=lambda hit: hit.start)


def _quoted(text: str) -> list[tuple[int, int]]:
    """Where ``text`` quotes in double quotation marks: a term there is mentioned, not used
    ('not solved by "reviewing more carefully"'), as a block quote is never read."""
    if '"' not in text and "\u201c" not in text:
        return []
    return [found.span() for found in _QUOTATION.finditer(text)]


def _names(people: Iterable[str]) -> frozenset[str]:
    """Each name and its first word, lowercased: 'Ana Silva' is also 'Ana'."""
    names: set[str] = set()
    for person in people:
        words = person.split()
        if words:
            names.add(" ".join(words).lower())
            names.add(words[0].lower())
    return frozenset(names)
