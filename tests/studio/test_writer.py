"""Script writers: offline template writing, extractive summaries, the OpenAI-compatible LLM."""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fluxnote.studio.summary import key_phrase, summarise
from fluxnote.studio.templates import templates
from fluxnote.studio.writer import offline_script, write_script

ARTICLE = """City votes to close the old town to cars

The city council voted on Tuesday to close the old town centre to private cars from March.
Shop owners fear they will lose customers, while cycling groups celebrated outside the hall.
The mayor said the plan should cut air pollution in the centre by a third within two years.
Buses will run every five minutes on the ring road, and delivery vans may enter before ten.
In other news, the weather was mild. A local cat was seen on a roof.
Critics say the bus network is not ready and the council rushed the vote."""


@pytest.mark.parametrize("template_id", sorted(templates()))
def test_offline_scripts_follow_the_template_in_real_sentences(app, template_id):
    template = templates()[template_id]
    script = offline_script(template, "why octopuses have three hearts", None)
    assert len(script.scenes) == len(template.structure) == len(script.prompts)
    words = sum(len(s.split()) for s in script.scenes)
    assert 0.5 * template.word_budget <= words <= 1.3 * template.word_budget
    for scene in script.scenes:
        assert scene[0].isupper() and scene.rstrip()[-1] in ".!?:" and "{" not in scene
    assert "octopuses" in " ".join(script.scenes)
    assert script.title == "Why octopuses have three hearts"


def test_listicle_counts_down(app):
    script = offline_script(templates()["listicle"], "budget travel tips", None)
    numbers = [int(m) for s in script.scenes for m in re.findall(r"^Number (\d)", s)]
    assert numbers == [5, 4, 3, 2, 1]


def test_key_phrase_is_the_rarest_content_word_with_its_modifier():
    assert key_phrase("how black holes form") == "black holes"
    assert key_phrase("the history of coffee") == "coffee"


def test_pasted_text_is_summarised_to_its_key_sentences_in_order(app):
    kept = summarise(ARTICLE, 60)
    text = " ".join(kept)
    assert "council voted" in text and "cat was seen" not in text and "weather was mild" not in text
    assert len(text.split()) <= 60
    order = [ARTICLE.index(sentence) for sentence in kept]
    assert order == sorted(order)
    script = offline_script(templates()["news"], None, ARTICLE)
    assert script.title.startswith("City votes to close")
    assert all(len(s.split()) <= 40 for s in script.scenes[:-1])


class ChatServer(BaseHTTPRequestHandler):
    """Speaks the chat completions protocol like OpenAI, llama.cpp or Ollama's OpenAI
    endpoint. `replies` are answered in turn (the last one repeats); `refuse_schema`
    makes it answer 400 to `response_format`, as older local servers do."""

    replies: list = []
    requests: list = []
    refuse_schema = False

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ChatServer.requests.append((self.path, self.headers.get("Authorization"), body))
        if ChatServer.refuse_schema and "response_format" in body:
            return self._send(400, {"error": {"message": "response_format not supported"}})
        content = (
            ChatServer.replies.pop(0) if len(ChatServer.replies) > 1 else ChatServer.replies[0]
        )
        answer = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": content},
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        self._send(200, answer)

    def _send(self, status: int, answer: dict) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def chat_server(app):
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChatServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config["OPENAI_BASE_URL"] = f"http://127.0.0.1:{server.server_port}/v1"
    app.config["PROVIDER_KEYS"] = dict(app.config["PROVIDER_KEYS"], OPENAI_API_KEY="sk-local")
    ChatServer.requests, ChatServer.refuse_schema = [], False
    yield ChatServer
    server.shutdown()


HEARTS = [
    "Octopuses have three hearts, and two of them only serve the gills.",
    "The branchial hearts push blue blood through each gill.",
    "The systemic heart sends it around the body, but stops while they swim.",
    "Their blood is blue because it carries copper, not iron.",
    "So an octopus would rather crawl than swim. Follow for more.",
]


def script_json(texts=HEARTS, title="Why octopuses have three hearts") -> str:
    return json.dumps(
        {
            "title": title,
            "scenes": [
                {
                    "text": t,
                    "search_terms": ["octopus swimming", "coral reef"],
                    "image_prompt": f"an octopus, scene {i}",
                }
                for i, t in enumerate(texts)
            ],
        }
    )


def test_the_llm_writes_a_structured_script_when_an_endpoint_is_configured(chat_server):
    chat_server.replies = [script_json()]
    template = templates()["quote"]
    script = write_script(template, "why octopuses have three hearts", None)
    assert script.scenes == HEARTS and script.writer.startswith("llm:")
    assert script.title == "Why octopuses have three hearts"
    assert script.terms[0] == ["octopus swimming", "coral reef"]
    assert script.prompts[0].startswith("an octopus, scene 0")
    path, token, body = chat_server.requests[0]
    assert path == "/v1/chat/completions" and token == "Bearer sk-local"
    assert body["response_format"]["type"] == "json_schema"
    schema = body["response_format"]["json_schema"]
    assert schema["strict"] is True and schema["schema"]["required"] == ["title", "scenes"]
    assert "why octopuses have three hearts" in body["messages"][-1]["content"]
    assert "exactly 5 scenes" in body["messages"][0]["content"]


def test_a_bad_answer_is_sent_back_with_the_problem_and_the_repair_is_used(chat_server):
    chat_server.replies = [
        "Sure! Here is a great script about sea life.",  # not JSON
        script_json(HEARTS[:3]),  # too few scenes
        script_json(["Sea creatures are amazing."] * 5),  # never answers the topic
        script_json(),
    ]
    script = write_script(templates()["quote"], "why octopuses have three hearts", None)
    assert script.writer.startswith("offline (LLM failed")  # three bad answers: given up
    feedback = [body["messages"][-1]["content"] for _, _, body in chat_server.requests[1:]]
    assert "not a JSON object" in feedback[0]
    assert "write exactly 5 scenes, not 3" in feedback[1]
    chat_server.requests = []
    chat_server.replies = [script_json(["Sea creatures are amazing."] * 5), script_json()]
    script = write_script(templates()["quote"], "why octopuses have three hearts", None)
    assert script.scenes == HEARTS
    repair = chat_server.requests[1][2]["messages"]
    assert repair[-2]["role"] == "assistant"
    assert "never mentions" in repair[-1]["content"] and "hearts" in repair[-1]["content"]


def test_a_server_without_structured_output_is_asked_with_the_schema_in_the_prompt(
    chat_server,
):
    chat_server.refuse_schema = True
    chat_server.replies = ["```json\n" + script_json() + "\n```"]
    script = write_script(templates()["quote"], "why octopuses have three hearts", None)
    assert script.scenes == HEARTS
    assert "response_format" not in chat_server.requests[-1][2]


def test_a_garbled_llm_answer_falls_back_to_the_offline_writer_and_says_so(chat_server):
    chat_server.replies = ["I cannot help with that."]
    script = write_script(templates()["quote"], "octopus hearts", None)
    assert len(script.scenes) == 5 and script.writer.startswith("offline (LLM failed")
    assert len(chat_server.requests) == 3
