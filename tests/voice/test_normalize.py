"""The speech normaliser: what the engine says, and the way back to the script's words."""

from fluxnote.voice.normalize import script_words, sentences, speech_text, tokenize


def spoken(text: str) -> list[str]:
    return [" ".join(t.spoken) for t in tokenize(text)]


def test_numbers_money_dates_and_abbreviations_are_spelled_out():
    assert spoken("Dr. Smith paid $5.50 on 3/4/2026 — e.g. twice!") == [
        "doctor",
        "Smith",
        "paid",
        "five dollars fifty cents",
        "on",
        "March fourth twenty twenty-six",
        "for example",
        "twice",
    ]
    assert spoken("$1.2M 45% 1,000,000 21st 10:05pm 5-10 COVID-19 & 1999") == [
        "one point two million dollars",
        "forty-five percent",
        "one million",
        "twenty-first",
        "ten oh five P M",
        "five to ten",
        "COVID nineteen",
        "and",
        "nineteen ninety-nine",
    ]
    assert spoken("1/2 3/4 2/3 1990s 2020s") == [
        "one half",
        "three quarters",
        "two thirds",
        "nineteen nineties",
        "twenty twenties",
    ]


def test_caption_words_are_the_script_tokens_and_lone_punctuation_is_a_pause():
    tokens = tokenize("Wait — really?! (Yes.) Dr. Who, etc.")
    assert [t.text for t in tokens] == ["Wait", "really?!", "(Yes.)", "Dr.", "Who,", "etc."]
    assert tokens[0].pause == ","
    assert [len(s) for s in sentences(tokens)] == [2, 1, 3]
    assert script_words("Go — now") == ["Go", "now"]


def test_speech_text_spans_point_at_each_tokens_spoken_words():
    tokens = tokenize("Pay $5 now.")
    text, spans = speech_text(tokens)
    assert text == "Pay five dollars now."
    assert [text[a:b] for a, b in spans] == ["Pay", "five dollars", "now"]


def test_other_languages_leave_words_to_the_engine():
    assert [t.spoken for t in tokenize("El Dr. pagó 5,50 €.", "es")] == [
        ("El",),
        ("Dr",),
        ("pagó",),
        ("5,50",),
        ("€",),
    ]
