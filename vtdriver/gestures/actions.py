"""What gestures do: blendshapes faded in while a gesture is held, and OSC messages sent to a
named output on enter / exit / hold. Read from ``mappings/actions.toml`` (see
``action_file.py`` for the format).

Run it on the avatar's frame *after* ``coords.apply_mirror``, so ``hand = "right"`` and
blendshape sides mean the avatar's right whatever the mirror setting. (The raw
``/vtdriver/gesture`` event is sent by the OSC output itself from ``AvatarFrame.events``.)
"""
from __future__ import annotations

from dataclasses import dataclass, field

from vtdriver.frame import GestureEvent

OscArg = int | float | str | bool
OscMessage = tuple[str, str, tuple[OscArg, ...]]  # (output name, address, args)


@dataclass(frozen=True)
class Message:
    output: str
    address: str
    args: tuple[OscArg, ...]


@dataclass(frozen=True)
class Action:
    gesture: str
    hand: str = "any"  # left | right | both | any
    blendshapes: dict[str, float] = field(default_factory=dict)
    mode: str = "max"  # max: raise to at least the value; set: replace the face's value
    fade_in_ms: float = 100.0
    fade_out_ms: float = 200.0
    on_enter: tuple[Message, ...] = ()
    on_exit: tuple[Message, ...] = ()
    on_hold: tuple[Message, ...] = ()
    hold_every_ms: float | None = None

    def applies_to(self, hand: str) -> bool:
        return self.hand == "any" or self.hand == hand


def _fade_step(level: float, target: float, dt: float, duration_ms: float) -> float:
    if duration_ms <= 0:
        return target
    step = dt * 1000.0 / duration_ms
    return min(target, level + step) if target > level else max(target, level - step)


class GestureActions:
    """Stateful: remembers each action's fade level between frames."""

    def __init__(self, actions: tuple[Action, ...] = ()):
        self.actions = tuple(actions)
        self._levels = [0.0] * len(self.actions)
        self._last_t: float | None = None

    def hold_intervals(self) -> dict[str, float]:
        """Gesture -> milliseconds between hold events, for gestures whose actions want them."""
        out: dict[str, float] = {}
        for action in self.actions:
            if action.hold_every_ms:
                out[action.gesture] = min(out.get(action.gesture, action.hold_every_ms), action.hold_every_ms)
        return out

    def update(
        self,
        events: list[GestureEvent],
        gestures: dict[str, str | None],
        t: float,
        base: dict[str, float] | None = None,
    ) -> tuple[dict[str, float], list[OscMessage]]:
        """This frame's blendshape values to write over the frame's own, and the OSC messages
        to send. ``gestures`` is the held gesture per hand ("left", "right", optionally
        "both"); ``base`` the frame's blendshapes (missing names count as 0)."""
        base = base or {}
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t
        messages: list[OscMessage] = []
        for event in events:
            for action in self.actions:
                if action.gesture != event.gesture or not action.applies_to(event.hand):
                    continue
                chosen = {"enter": action.on_enter, "exit": action.on_exit, "hold": action.on_hold}[event.kind]
                messages.extend((m.output, m.address, m.args) for m in chosen)

        overrides: dict[str, float] = {}
        levels = self._levels
        held_anywhere = gestures.values()
        for i, action in enumerate(self.actions):
            if not action.blendshapes:
                continue
            # Held on a hand the action applies to (a gesture name is never None).
            if action.hand == "any":
                held = action.gesture in held_anywhere
            else:
                held = gestures.get(action.hand) == action.gesture
            if not held and levels[i] <= 0.0:
                continue  # faded out and staying out: _fade_step would keep it at 0
            duration = action.fade_in_ms if held else action.fade_out_ms
            levels[i] = level = _fade_step(levels[i], 1.0 if held else 0.0, dt, duration)
            if level <= 0.0:
                continue
            for name, value in action.blendshapes.items():
                current = overrides.get(name, float(base.get(name, 0.0)))
                if action.mode == "set":
                    overrides[name] = current + (value - current) * level
                else:
                    overrides[name] = max(current, value * level)
        return overrides, messages
