"""/mcp with the SDK's client over real HTTP: tools, a video end to end, refusals."""

import httpx
import pytest

from tests.conftest import make_token, make_user
from tests.mcp_server.conftest import with_session
from tests.render.test_jobs import spend_everything
from tests.videos.conftest import work

TOOLS = {
    "get_credits",
    "list_models",
    "list_templates",
    "list_voices",
    "list_caption_styles",
    "create_video",
    "get_video",
    "generate",
    "get_generation",
}


def call(served, token, name, arguments=None):
    async def steps(session):
        return await session.call_tool(name, arguments or {})

    return with_session(served, token, steps)


def test_the_tools_are_listed_with_schemas_and_descriptions(served):
    token = make_token(make_user())

    async def steps(session):
        return (await session.list_tools()).tools

    listed = {tool.name: tool for tool in with_session(served, token, steps)}
    assert set(listed) == TOOLS
    create = listed["create_video"]
    assert create.input_schema["required"] == ["template"]
    assert set(create.input_schema["properties"]) >= {"topic", "source_text", "source_url"}
    assert "credit" in create.description and "poll get_video" in create.description
    assert listed["get_video"].output_schema["properties"]["download_url"]
    assert all(tool.description and tool.output_schema for tool in listed.values())


def test_a_topic_becomes_a_downloadable_video(served):
    user = make_user()
    token = make_token(user)
    made = call(served, token, "create_video", {"topic": "why owls hoot", "template": "quote"})
    assert not made.is_error, made.content
    video = made.structured_content
    assert video["status"] == "queued" and video["cost"] is None
    work()
    done = call(served, token, "get_video", {"render_id": video["render_id"]})
    result = done.structured_content
    assert result["status"] == "succeeded" and result["progress"] == 1
    assert result["download_url"] == f"{served}/api/v1/renders/{video['render_id']}/file"
    mp4 = httpx.get(result["download_url"], headers={"Authorization": f"Bearer {token}"})
    assert mp4.status_code == 200 and mp4.content[4:8] == b"ftyp"
    assert 5 < result["duration_s"] < 60


def test_listing_tools_answer_what_the_api_answers(served):
    token = make_token(make_user())
    credits = call(served, token, "get_credits").structured_content
    api = httpx.get(f"{served}/api/v1/credits", headers={"Authorization": f"Bearer {token}"})
    assert credits == api.json()
    templates = call(served, token, "list_templates").structured_content["templates"]
    assert "quote" in {t["id"] for t in templates} and all("scene_count" in t for t in templates)


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("generate", {"kind": "image", "model": "offline-image", "prompt": "an owl"}),
        (
            "create_video",
            {"topic": "owls", "template": "quote", "visuals": "generate_images"},
        ),
    ],
)
def test_out_of_credits_is_refused_with_the_api_code(served, tool, arguments):
    user = make_user()
    spend_everything(user)
    refused = call(served, make_token(user), tool, arguments)
    assert refused.is_error
    text = refused.content[0].text
    assert text.startswith("insufficient_credits: ") and "remaining=0" in text


def test_a_generation_is_made_and_read_back(served):
    token = make_token(make_user())
    made = call(
        served, token, "generate", {"kind": "image", "model": "offline-image", "prompt": "an owl"}
    )
    assert not made.is_error, made.content
    assert made.structured_content["credit"] == "reserved"
    work()
    got = call(served, token, "get_generation", {"id": made.structured_content["id"]})
    body = got.structured_content
    assert body["status"] == "succeeded" and body["credit"] == "captured"
    assert body["download_url"] == f"{served}/api/v1/assets/{body['asset_id']}/file"


def test_another_workspaces_ids_are_not_found(served):
    owner, stranger = make_token(make_user()), make_token(make_user())
    video = call(served, owner, "create_video", {"topic": "owls", "template": "quote"})
    render_id = video.structured_content["render_id"]
    made = call(
        served, owner, "generate", {"kind": "image", "model": "offline-image", "prompt": "x"}
    )
    for tool, arguments in (
        ("get_video", {"render_id": render_id}),
        ("get_generation", {"id": made.structured_content["id"]}),
    ):
        refused = call(served, stranger, tool, arguments)
        assert refused.is_error and refused.content[0].text.startswith("not_found: ")


def test_bad_arguments_are_refused_before_anything_is_made(served):
    token = make_token(make_user())
    refused = call(served, token, "create_video", {"topic": "owls", "template": "nope"})
    assert refused.is_error and refused.content[0].text.startswith("invalid: ")
    wrong_type = call(served, token, "get_video", {"render_id": "seven"})
    assert wrong_type.is_error


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic dXNlcjpwdw=="])
def test_without_a_valid_token_the_server_refuses(served, header):
    headers = {"Authorization": header} if header else {}
    answer = httpx.post(
        f"{served}/mcp",
        headers={**headers, "Accept": "application/json, text/event-stream"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    )
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"
    with pytest.raises(Exception):  # noqa: B017 - the SDK's own client cannot connect either
        call(served, header.split(" ")[1] if header else None, "get_credits")
