"""Common given names, so that "Alice failed to" blames and "Pacemaker failed to" does not.

A small hand-made list of frequent given names from many languages, shipped with
the package (nothing is downloaded). Names that are also common words or the
names of tools in operations prose (Will, May, Mark, Grant, Ruby, Julia, Hugo,
Travis, Loki, Cassandra, Max...) are left out on purpose: a name here makes its
capitalised word a person. A project adds its own people with
``postmortem_people`` and each incident's ``:authors:``.
"""

from __future__ import annotations

from typing import Final

GIVEN_NAMES: Final[frozenset[str]] = frozenset(
    """
    aaron abdul abigail adam adrian agnes ahmed aisha akira alan albert alberto alejandro alex
    alexander alexandra alexandre alexei ali alice alicia alison amanda amelia amir amy ana
    anders andrea andreas andrei andrew andy angela anita ann anna anne annika anthony antoine
    anton antonio arjun arne arthur astrid barbara beatriz ben benjamin bernard beth betty bjorn
    bob bogdan boris brandon brian bruno camille carl carla carlos carmen carol caroline
    catherine charles charlie charlotte chen chloe chris christian christina christine
    christopher claire claudia colin craig cristina daniel daniela danielle dave david dean
    deborah dennis diana diego dmitri dominic donald dorothy douglas eduardo elena elif elizabeth
    ella ellen emil emily emma eric erik erin esther ethan eva evelyn fatima felix fernando fiona
    francesca francesco francisco frank franz fred frederik gabriel gabriela gary george georg
    gerhard giovanni giulia giuseppe greg gregory gustav hana hannah hans harald harry heather
    helen helena henrik henry hiroshi hugh ian igor ines ingrid irene isabel isabella ivan jacob
    james jan jane janet jasmine jason javier jean jeff jennifer jens jeremy jessica jim joan joao
    joe johan johannes john jonas jonathan jorge jose josef joseph joshua juan judith julie julien
    karen karin karl kate katherine kathryn kenji kenneth kevin kim klaus kristian kumar lars laura
    lauren leila lena leo leon liam linda lisa liu lorenzo louis louise lucas lucia lucy luis luka
    lukas magnus mahmoud manuel marco marcus margaret maria marie marina mario marta martin mary
    mateo matteo matthew matthias mehmet mei melissa mia michael michelle miguel mikael mike mikkel
    mohamed mohammed nadia naomi natalia natasha nathan nicholas nick nicolas niels nikolai nina
    noah nora olga oliver olivia omar oscar pablo pamela paolo patricia patrick paul paula pedro
    peter philip pierre pieter priya rachel rafael rahul raj rajesh ramon rebecca richard rob
    robert roberto roger rosa ruth ryan sally samuel sandra sanjay sara sarah sean sebastian sergei
    sergio simon sofia sophie soren stefan stephanie stephen steve steven susan sven takeshi tanya
    teresa thomas tim timothy tobias tom tomas tony ulrich ursula valentina vanessa vera veronica
    victor vincent vladimir walter wei wendy william wolfgang xavier yan yuki yusuf zoe zhang
    """.split()
)
