"""The story's collaborators, taken from the running app (the CLI command's)."""

from __future__ import annotations

from flask import current_app

from portal.provision.demo_story.story import Progress, StoryEnv
from portal.public.settings import public_settings
from portal.web.services import services


def story_env(progress: Progress, *, scale: float = 1.0) -> StoryEnv:
    found = services()
    settings = public_settings(current_app)
    return StoryEnv(
        database=found.database,
        keyring=found.keyring,
        password=found.config.demo_password,
        password_params=found.config.password_hash,
        limits=found.config.attachments,
        gate=found.decoding,
        schedule=settings.schedule,
        rng=settings.rng,
        today=settings.today(),
        progress=progress,
        scale=scale,
    )
