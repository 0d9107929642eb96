"""What a question asks for, and whether a text holds it (made-up questions and text)."""

import pytest

from rag.language.text import terms
from rag.query.asks import asks_for, holds, names


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("On what exact date was the harbour contract signed?", "date"),
        ("In what year did the city sell the port?", "date"),
        ("How much money has the council spent on the terminal?", "number"),
        ("How many ferries does the line run?", "number"),
        ("What percentage of the fares goes to the city?", "number"),
        ("How old is the mayor?", "number"),
        ("When will the terminal open?", None),  # an event can answer "when"
        ("Which city hosted the regatta this week?", "name"),
        ("Who mediated the talks?", "name"),
        ("Which company announced cuts to its workforce?", "name"),
        ("What is the mayor's plan for the harbour?", None),
        ("What happened at the council meeting?", None),
        ("Why did the talks break down?", None),
    ],
)
def test_asks_for(question: str, kind: str | None) -> None:
    assert asks_for(question) == kind


@pytest.mark.parametrize(
    ("text", "kind", "held"),
    [
        ("The council has spent a total of $40 million.", "number", True),
        ("Repairs will cost hundreds of millions.", "number", True),
        ("The council will spend the maximum the law allows.", "number", False),
        ("The terminal closes for repairs on 3 May.", "number", False),  # a date, not a sum
        ("The port was sold in 1994 to a private group.", "number", False),
        ("Fares rose by 12% on March 4, 2025.", "number", True),
        ("The city sold the port in 1994.", "date", True),
        ("Talks broke down on Friday afternoon.", "date", True),
        ("The contract was not signed.", "date", False),
        ("The regatta was held in Lisbon.", "name", True),
        ("The regatta was held in the city again.", "name", False),
        ("The city hosted the regatta on Monday.", "name", False),  # calendar words are no name
        ("Anything at all.", None, True),
    ],
)
def test_holds(text: str, kind: str | None, held: bool) -> None:
    question = terms("Which city hosted the regatta this week?")
    assert holds(text, kind, question) is held  # type: ignore[arg-type]


def test_names_leave_out_what_the_question_already_says() -> None:
    question = terms("Which team did Port Ellis beat in the final?")
    assert names("Port Ellis beat Harbour United in the final.", question) == ["Harbour United"]
