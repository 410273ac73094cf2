"""The fake Discord's own behaviour: autocomplete, files, direct messages, ephemeral defers, and
Discord's 3-second rule for the first response. A minimal discord.py client drives them, so the
bot's tests can rely on them."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import discord
import pytest
import pytest_asyncio
from discord import app_commands

from tests.discord_bot.conftest import SESSION_LOOP, World
from tests.fake_discord import FakeDiscord

pytestmark = SESSION_LOOP

FRUITS = [f"fruit-{i:02d}" for i in range(40)]


class Probe(discord.Client):
    """A tiny bot with one command of each kind the fake must support."""

    def __init__(self, fake: FakeDiscord) -> None:
        super().__init__(intents=discord.Intents.none(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        group = app_commands.Group(name="probe", description="Probe commands.")

        @group.command(name="pick", description="Pick a fruit.")
        @app_commands.describe(fruit="A fruit.", count="How many.")
        async def pick(interaction: discord.Interaction, fruit: str, count: int = 1) -> None:
            await interaction.response.send_message(f"{count} × {fruit}")

        @pick.autocomplete("fruit")
        async def fruits(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            found = [f for f in FRUITS if current in f]
            return [app_commands.Choice(name=f, value=f) for f in found[:25]]

        @group.command(name="file", description="Send a file privately, after thinking.")
        async def file(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            data = discord.File(io.BytesIO(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), "plan.ics")
            await interaction.followup.send("Your plan", file=data, ephemeral=True)

        @group.command(name="dm", description="Send me a direct message.")
        async def dm(interaction: discord.Interaction) -> None:
            await interaction.user.send("Time to study!")
            await interaction.response.send_message("Sent.", ephemeral=True)

        @group.command(name="slow", description="Work 3.5 s, then answer.")
        async def slow(interaction: discord.Interaction) -> None:
            fake.advance(3.5)  # as if the work took that long
            await interaction.response.send_message("Done.")

        @group.command(name="patient", description="Defer, work 3.5 s, then answer.")
        async def patient(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            fake.advance(3.5)
            await interaction.followup.send("Done, after a while.")

        @group.command(name="button", description="A button that is slow to answer.")
        async def button(interaction: discord.Interaction) -> None:
            view = discord.ui.View(timeout=None)
            slow_button = discord.ui.Button[discord.ui.View](label="Go", custom_id="probe:go")

            async def clicked(click: discord.Interaction) -> None:
                fake.advance(3.5)
                await click.response.send_message("Clicked.", ephemeral=True)

            slow_button.callback = clicked  # type: ignore[method-assign]
            view.add_item(slow_button)
            await interaction.response.send_message("Press it.", view=view)

        self.tree.add_command(group)

    async def setup_hook(self) -> None:
        await self.tree.sync()


@pytest_asyncio.fixture(loop_scope="session")
async def probe(world: World) -> AsyncIterator[Probe]:
    client = Probe(world.fake)
    task = asyncio.create_task(client.start("probe-token"))
    while not client.is_ready():
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    yield client
    await client.close()
    await task


async def test_autocomplete_returns_choices(probe: Probe, world: World) -> None:
    choices = await world.fake.autocomplete(
        world.guild, world.alice, "probe pick", focused="fruit", fruit="fruit-1"
    )
    assert [c["value"] for c in choices] == [f"fruit-1{i}" for i in range(10)]
    everything = await world.fake.autocomplete(
        world.guild, world.alice, "probe pick", focused="fruit", fruit=""
    )
    assert len(everything) == 25


async def test_typed_options(probe: Probe, world: World) -> None:
    result = await world.fake.slash(world.guild, world.alice, "probe pick", fruit="kiwi", count=3)
    assert result.message.content == "3 × kiwi"


async def test_files_after_ephemeral_defer(probe: Probe, world: World) -> None:
    result = await world.fake.slash(world.guild, world.alice, "probe file")
    assert result.deferred
    assert result.ephemeral
    (attachment,) = result.message.attachments
    assert attachment.filename == "plan.ics"
    assert attachment.data.startswith(b"BEGIN:VCALENDAR")
    assert result.message.ephemeral


async def test_direct_message(probe: Probe, world: World) -> None:
    result = await world.fake.slash(world.guild, world.alice, "probe dm")
    assert result.message.content == "Sent."
    (dm,) = world.fake.bot_messages(world.fake.dm_channel(world.alice.user))
    assert dm.content == "Time to study!"


async def test_a_first_response_after_3_seconds_is_refused(probe: Probe, world: World) -> None:
    with pytest.raises(AssertionError, match="not acknowledged within 3 s"):
        await world.fake.slash(world.guild, world.alice, "probe slow")
    late = next(i for i in world.fake.interactions.values() if i.name == "probe slow")
    assert late.late
    assert late.responses == []  # Discord answered 404 Unknown interaction: nothing shown


async def test_a_defer_buys_time(probe: Probe, world: World) -> None:
    result = await world.fake.slash(world.guild, world.alice, "probe patient")
    assert result.deferred
    assert result.message.content == "Done, after a while."


async def test_a_slow_click_is_refused_too(probe: Probe, world: World) -> None:
    prompt = await world.fake.slash(world.guild, world.alice, "probe button")
    with pytest.raises(AssertionError, match="not acknowledged within 3 s"):
        await world.fake.click(prompt.message, "probe:go", world.alice)
