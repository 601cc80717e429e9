"""Topic illustrations: simple flat-design drawings chosen by the prompt's topic.

Each drawer paints on a transparent RGBA layer inside a square box (centre `cx, cy`,
side `s`) with the scene's palette; the RNG varies proportions, counts and positions so
two prompts on the same topic still give different pictures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import ImageDraw

RGB = tuple[int, int, int]
EDGE = 3.0  # ground layers reach past the box to the frame's edges (the canvas clips them)


@dataclass
class Box:
    draw: ImageDraw.ImageDraw
    cx: float
    cy: float
    s: float
    palette: tuple[RGB, ...]
    rng: np.random.Generator

    def c(self, i: int, alpha: int = 255) -> tuple[int, int, int, int]:
        return (*self.palette[i], alpha)

    def at(self, fx: float, fy: float) -> tuple[float, float]:
        """A point given in box fractions (-0.5..0.5) from the centre."""
        return self.cx + fx * self.s, self.cy + fy * self.s

    def circle(self, fx: float, fy: float, fr: float, fill, outline=None, width: int = 0) -> None:
        x, y = self.at(fx, fy)
        r = fr * self.s
        self.draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=outline, width=width)

    def poly(self, points: list[tuple[float, float]], fill) -> None:
        self.draw.polygon([self.at(x, y) for x, y in points], fill=fill)

    def rect(self, fx0: float, fy0: float, fx1: float, fy1: float, fill, radius: float = 0) -> None:
        x0, y0 = self.at(fx0, fy0)
        x1, y1 = self.at(fx1, fy1)
        self.draw.rounded_rectangle((x0, y0, x1, y1), radius=radius * self.s, fill=fill)

    def u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))


def _rays(b: Box, fx: float, fy: float, r0: float, r1: float, n: int, colour) -> None:
    turn = b.u(0, math.pi)
    for i in range(n):
        a = turn + 2 * math.pi * i / n
        w = math.pi / n * 0.45
        b.poly(
            [
                (fx + r0 * math.cos(a - w), fy + r0 * math.sin(a - w)),
                (fx + r1 * math.cos(a), fy + r1 * math.sin(a)),
                (fx + r0 * math.cos(a + w), fy + r0 * math.sin(a + w)),
            ],
            colour,
        )


def _hills(b: Box, top: float, colour, bumps: int = 3) -> None:
    xs = np.linspace(-EDGE, EDGE, 120)
    phase = b.u(0, 6.3)
    ys = top + 0.04 * np.sin(xs * bumps * 3 + phase)
    b.poly(
        [(float(x), float(y)) for x, y in zip(xs, ys, strict=False)]
        + [(EDGE, EDGE), (-EDGE, EDGE)],
        colour,
    )


def sun(b: Box) -> None:
    fy = b.u(-0.2, -0.05)
    for i, r in enumerate((0.42, 0.34, 0.27)):
        b.circle(0, fy, r, b.c(4, 40 + 25 * i))
    _rays(b, 0, fy, 0.25, b.u(0.38, 0.48), int(b.rng.integers(10, 18)), b.c(3, 170))
    b.circle(0, fy, 0.22, b.c(4))
    b.circle(0, fy, 0.18, b.c(3))
    _hills(b, 0.22, b.c(1), bumps=int(b.rng.integers(2, 5)))
    _hills(b, 0.32, b.c(0))


def mountain(b: Box) -> None:
    b.circle(b.u(-0.3, 0.3), b.u(-0.4, -0.25), b.u(0.07, 0.12), b.c(4, 230))
    for layer, colour in enumerate((2, 1, 0)):
        base = 0.1 + layer * 0.12
        peaks = int(b.rng.integers(2, 4))
        pts = [(-EDGE, EDGE), (-EDGE, base)]
        for i in range(peaks):
            x = -0.5 + (i + b.u(0.3, 0.7)) / peaks
            height = b.u(0.25, 0.55) - layer * 0.1
            pts += [
                (x - 0.12, base - height * 0.4),
                (x, base - height),
                (x + 0.12, base - height * 0.5),
            ]
            if layer == 0:
                b.poly(
                    [
                        (x, base - height),
                        (x - 0.06, base - height + 0.09),
                        (x + 0.05, base - height + 0.08),
                    ],
                    b.c(4),
                )
        b.poly(pts + [(EDGE, base), (EDGE, EDGE)], b.c(colour))


def city(b: Box) -> None:
    b.circle(b.u(-0.35, 0.35), -0.35, 0.08, b.c(4, 220))
    for row, (colour, base) in enumerate(((1, 0.25), (0, 0.4))):
        x = -1.2
        while x < 1.2:
            w = b.u(0.06, 0.14)
            h = b.u(0.2, 0.6) - row * 0.1
            b.rect(x, base - h, x + w - 0.01, EDGE, b.c(colour))
            for wy in np.arange(base - h + 0.03, base - 0.02, 0.045):
                for wx in np.arange(x + 0.015, x + w - 0.03, 0.03):
                    if b.rng.random() < 0.45:
                        b.rect(wx, wy, wx + 0.014, wy + 0.02, b.c(3, 220))
            x += w


def ocean(b: Box) -> None:
    b.circle(b.u(-0.25, 0.25), -0.15, b.u(0.12, 0.2), b.c(4, 230))
    for i, colour in enumerate((2, 1, 0)):
        top, amp, freq, phase = -0.02 + i * 0.14, b.u(0.015, 0.04), b.u(8, 16), b.u(0, 6.3)
        xs = np.linspace(-EDGE, EDGE, 200)
        pts = [(float(x), top + amp * math.sin(x * freq + phase)) for x in xs]
        b.poly(pts + [(EDGE, EDGE), (-EDGE, EDGE)], b.c(colour))
    bx = b.u(-0.3, 0.2)
    b.poly([(bx, -0.02), (bx + 0.12, -0.02), (bx + 0.1, 0.02), (bx + 0.02, 0.02)], b.c(0))
    b.poly([(bx + 0.06, -0.2), (bx + 0.06, -0.04), (bx + 0.15, -0.04)], b.c(4))


def space(b: Box) -> None:
    for _ in range(60):
        b.circle(
            b.u(-0.6, 0.6), b.u(-0.6, 0.6), b.u(0.002, 0.008), b.c(4, int(b.rng.integers(120, 255)))
        )
    r = b.u(0.2, 0.28)
    tilt = b.u(-0.1, 0.1)
    x0, y0 = b.at(-r * 1.9, tilt - r * 0.45)
    x1, y1 = b.at(r * 1.9, -tilt + r * 0.45)
    b.draw.ellipse((x0, y0, x1, y1), outline=b.c(3, 200), width=max(3, int(b.s * 0.018)))
    b.circle(0, 0, r, b.c(2))
    b.circle(-r * 0.25, -r * 0.25, r * 0.7, b.c(3, 90))
    b.draw.arc((x0, y0, x1, y1), 0, 180, fill=b.c(4, 230), width=max(3, int(b.s * 0.018)))
    b.circle(b.u(0.25, 0.4), b.u(-0.4, -0.25), b.u(0.04, 0.07), b.c(4))


def money(b: Box) -> None:
    bars = int(b.rng.integers(4, 7))
    for i in range(bars):
        x = -0.45 + i * 0.9 / bars
        h = 0.15 + 0.5 * (i + 1) / bars * b.u(0.8, 1.1)
        b.rect(x, 0.45 - h, x + 0.9 / bars * 0.7, 0.45, b.c(1 + i % 2, 230), radius=0.015)
    for i in range(int(b.rng.integers(3, 7))):
        b.circle(
            0.28, 0.33 - i * 0.045, 0.11, b.c(3), outline=b.c(1), width=max(2, int(b.s * 0.006))
        )
    b.circle(-0.1, -0.2, 0.2, b.c(4), outline=b.c(3), width=max(4, int(b.s * 0.02)))
    x, y = b.at(-0.1, -0.2)
    w = max(4, int(b.s * 0.03))
    b.draw.arc((x - b.s * 0.08, y - b.s * 0.13, x + b.s * 0.08, y), 60, 300, fill=b.c(0), width=w)
    b.draw.arc((x - b.s * 0.08, y, x + b.s * 0.08, y + b.s * 0.13), 240, 480, fill=b.c(0), width=w)
    b.draw.line((x, y - b.s * 0.16, x, y + b.s * 0.16), fill=b.c(0), width=w)


def food(b: Box) -> None:
    b.circle(0, 0.05, 0.42, b.c(4, 235))
    b.circle(0, 0.05, 0.34, b.c(3))
    if b.rng.random() < 0.5:  # pizza: slices and toppings
        for i in range(int(b.rng.integers(6, 9))):
            a = 2 * math.pi * i / 8
            b.draw.line(
                (*b.at(0, 0.05), *b.at(0.34 * math.cos(a), 0.05 + 0.34 * math.sin(a))),
                fill=b.c(2),
                width=max(3, int(b.s * 0.01)),
            )
        for _ in range(int(b.rng.integers(8, 14))):
            a, d = b.u(0, 6.3), b.u(0.05, 0.28)
            b.circle(d * math.cos(a), 0.05 + d * math.sin(a), 0.035, b.c(1))
    else:  # bowl: items and rising steam
        for _ in range(int(b.rng.integers(5, 9))):
            a, d = b.u(0, 6.3), b.u(0, 0.22)
            b.circle(
                d * math.cos(a),
                0.05 + d * math.sin(a),
                b.u(0.04, 0.08),
                b.c(int(b.rng.integers(0, 3))),
            )
    for i in range(3):
        x = -0.12 + i * 0.12
        pts = [b.at(x + 0.03 * math.sin(t * 6), -0.4 + t * 0.2) for t in np.linspace(0, 1, 12)]
        b.draw.line(pts, fill=b.c(4, 160), width=max(3, int(b.s * 0.012)), joint="curve")


def tech(b: Box) -> None:
    w = max(3, int(b.s * 0.01))
    for _ in range(int(b.rng.integers(10, 18))):
        a = b.u(0, 2 * math.pi)
        x, y = 0.18 * math.copysign(1, math.cos(a)), 0.18 * math.sin(a)
        pts = [(x, y)]
        for _ in range(3):
            if b.rng.random() < 0.5:
                x += math.copysign(b.u(0.05, 0.15), x)
            else:
                y += b.u(-0.12, 0.12)
            pts.append((x, y))
        b.draw.line([b.at(px, py) for px, py in pts], fill=b.c(3, 220), width=w)
        b.circle(x, y, 0.018, b.c(4))
    b.rect(-0.2, -0.2, 0.2, 0.2, b.c(1), radius=0.03)
    b.rect(-0.13, -0.13, 0.13, 0.13, b.c(2), radius=0.02)
    for i in range(5):
        f = -0.15 + i * 0.075
        for x0, y0, x1, y1 in (
            (f, -0.26, f + 0.03, -0.2),
            (f, 0.2, f + 0.03, 0.26),
            (-0.26, f, -0.2, f + 0.03),
            (0.2, f, 0.26, f + 0.03),
        ):
            b.rect(x0, y0, x1, y1, b.c(3))


def nature(b: Box) -> None:
    _hills(b, 0.3, b.c(1))
    for _ in range(int(b.rng.integers(3, 7))):
        x, h = b.u(-0.45, 0.45), b.u(0.35, 0.7)
        base = 0.34 + b.u(-0.03, 0.05)
        b.rect(x - 0.015, base - h * 0.3, x + 0.015, base, b.c(0))
        if b.rng.random() < 0.5:
            for k in range(3):
                top = base - h + k * h * 0.2
                b.poly(
                    [
                        (x, top),
                        (x - 0.12 + k * 0.01, top + h * 0.35),
                        (x + 0.12 - k * 0.01, top + h * 0.35),
                    ],
                    b.c(2 + k % 2),
                )
        else:
            b.circle(x, base - h * 0.55, h * 0.25, b.c(2))
            b.circle(x - h * 0.08, base - h * 0.62, h * 0.13, b.c(3, 200))


def _heart(b: Box, fx: float, fy: float, scale: float, colour) -> None:
    t = np.linspace(0, 2 * math.pi, 160)
    xs = 16 * np.sin(t) ** 3
    ys = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    b.poly(
        [(fx + scale * x / 34, fy + scale * y / 34) for x, y in zip(xs, ys, strict=False)], colour
    )


def love(b: Box) -> None:
    for _ in range(int(b.rng.integers(6, 12))):
        _heart(
            b, b.u(-0.5, 0.5), b.u(-0.5, 0.5), b.u(0.06, 0.14), b.c(int(b.rng.integers(2, 5)), 170)
        )
    _heart(b, 0.02, 0.02, 0.78, b.c(1))
    _heart(b, 0, 0, 0.74, b.c(3))


def music(b: Box) -> None:
    bars = int(b.rng.integers(9, 15))
    for i in range(bars):
        h = b.u(0.05, 0.3)
        x = -0.5 + i / bars
        b.rect(x, 0.45 - h, x + 0.6 / bars, 0.45, b.c(2 + i % 2, 210), radius=0.01)
    w = max(5, int(b.s * 0.025))
    x0, x1 = b.u(-0.3, -0.15), b.u(0.1, 0.25)
    for x in (x0, x1):
        b.draw.ellipse((*b.at(x - 0.09, 0.08), *b.at(x + 0.03, 0.18)), fill=b.c(4))
        b.draw.line((*b.at(x + 0.02, 0.13), *b.at(x + 0.02, -0.3)), fill=b.c(4), width=w)
    b.poly(
        [(x0 + 0.005, -0.3), (x1 + 0.035, -0.34), (x1 + 0.035, -0.26), (x0 + 0.005, -0.22)], b.c(4)
    )


def fitness(b: Box) -> None:
    t = np.linspace(-0.5, 0.5, 80)
    beat = b.u(-0.1, 0.1)
    ys = [
        0.32 - (0.25 if abs(x - beat) < 0.02 else 0.1 if abs(x - beat - 0.04) < 0.02 else 0)
        for x in t
    ]
    b.draw.line(
        [b.at(float(x), y) for x, y in zip(t, ys, strict=False)],
        fill=b.c(3),
        width=max(4, int(b.s * 0.014)),
    )
    tilt = b.u(-0.15, 0.15)
    b.poly(
        [(-0.3, -0.12 + tilt), (0.3, -0.12 - tilt), (0.3, -0.06 - tilt), (-0.3, -0.06 + tilt)],
        b.c(4),
    )
    for side in (-1, 1):
        for k, (w, h) in enumerate(((0.07, 0.34), (0.06, 0.26))):
            x = side * (0.26 - k * 0.08)
            y = -0.09 - side * tilt * abs(x) / 0.3
            b.rect(x - w / 2, y - h / 2, x + w / 2, y + h / 2, b.c(1 + k), radius=0.015)


def animals(b: Box) -> None:
    for _ in range(int(b.rng.integers(3, 6))):
        x, y, r = b.u(-0.4, 0.4), b.u(-0.4, 0.35), b.u(0.05, 0.09)
        colour = b.c(int(b.rng.integers(2, 5)), int(b.rng.integers(150, 230)))
        b.circle(x, y + r * 0.6, r, colour)
        for k, dx in enumerate((-1.1, -0.4, 0.4, 1.1)):
            b.circle(x + dx * r, y - r * (0.75 if k in (1, 2) else 0.35), r * 0.38, colour)
    b.circle(0, 0.1, 0.16, b.c(4))
    for k, dx in enumerate((-0.18, -0.065, 0.065, 0.18)):
        b.circle(dx, -0.07 - (0.07 if k in (1, 2) else 0.0), 0.062, b.c(4))


def car(b: Box) -> None:
    b.rect(-EDGE, 0.2, EDGE, EDGE, b.c(0))
    for i in range(-8, 9):
        x = i * 0.16 + b.u(0, 0.05)
        b.rect(x, 0.3, x + 0.08, 0.32, b.c(4, 200))
    lift = b.u(-0.03, 0.03)
    b.poly(
        [
            (-0.42, 0.17 + lift),
            (-0.42, 0.02 + lift),
            (-0.22, 0.0 + lift),
            (-0.12, -0.14 + lift),
            (0.16, -0.14 + lift),
            (0.28, 0.0 + lift),
            (0.42, 0.04 + lift),
            (0.42, 0.17 + lift),
        ],
        b.c(3),
    )
    b.poly(
        [(-0.09, -0.11 + lift), (0.02, -0.11 + lift), (0.02, -0.01 + lift), (-0.17, -0.01 + lift)],
        b.c(4, 200),
    )
    b.poly(
        [(0.05, -0.11 + lift), (0.14, -0.11 + lift), (0.23, -0.01 + lift), (0.05, -0.01 + lift)],
        b.c(4, 200),
    )
    for x in (-0.25, 0.25):
        b.circle(x, 0.17 + lift, 0.075, b.c(0))
        b.circle(x, 0.17 + lift, 0.035, b.c(4))
    for k in range(3):
        y = -0.05 + k * 0.06 + lift
        b.rect(-0.6 - k * 0.05, y, -0.47, y + 0.015, b.c(4, 150))


def _cloud(b: Box, x: float, y: float, r: float, colour) -> None:
    for dx, dy, f in ((-0.8, 0.2, 0.6), (0.0, 0.0, 0.85), (0.8, 0.2, 0.6), (0.35, -0.35, 0.6)):
        b.circle(x + dx * r, y + dy * r, f * r, colour)
    b.rect(x - 0.8 * r, y + 0.2 * r, x + 0.8 * r, y + 0.8 * r, colour)


def weather(b: Box) -> None:
    for _ in range(int(b.rng.integers(25, 45))):
        x, y = b.u(-0.5, 0.5), b.u(0.0, 0.5)
        b.draw.line(
            (*b.at(x, y), *b.at(x - 0.02, y + 0.06)),
            fill=b.c(4, 190),
            width=max(2, int(b.s * 0.008)),
        )
    _cloud(b, b.u(0.15, 0.3), b.u(-0.35, -0.25), 0.13, b.c(2, 220))
    if b.rng.random() < 0.6:
        x = b.u(-0.1, 0.1)
        b.poly(
            [
                (x, -0.05),
                (x - 0.08, 0.15),
                (x - 0.01, 0.15),
                (x - 0.06, 0.33),
                (x + 0.09, 0.08),
                (x + 0.02, 0.08),
                (x + 0.07, -0.05),
            ],
            b.c(3),
        )
    _cloud(b, b.u(-0.15, 0.0), b.u(-0.2, -0.1), 0.2, b.c(4))


def travel(b: Box) -> None:
    w = max(3, int(b.s * 0.012))
    b.circle(0, 0.05, 0.3, b.c(2))
    for k in (0.3, 0.18, 0.06):
        b.draw.ellipse((*b.at(-k, -0.25), *b.at(k, 0.35)), outline=b.c(3), width=w)
    for y in (-0.1, 0.05, 0.2):
        half = math.sqrt(max(0.0, 0.3**2 - (y - 0.05) ** 2))
        b.draw.line((*b.at(-half, y), *b.at(half, y)), fill=b.c(3), width=w)
    start = b.u(160, 200)
    b.draw.arc(
        (*b.at(-0.45, -0.42), *b.at(0.45, 0.3)), start, start + 140, fill=b.c(4, 200), width=w
    )
    a = math.radians(start + 140)
    px, py = 0.45 * math.cos(a), -0.06 + 0.36 * math.sin(a)
    ang = a + math.pi / 2
    pts = [(1.0, 0), (-0.6, 0.12), (-0.4, 0), (-0.6, -0.12)] + [
        (0.1, 0),
        (-0.2, 0.55),
        (-0.3, 0.55),
        (-0.15, 0),
        (-0.3, -0.55),
        (-0.2, -0.55),
    ]
    rot = [
        (
            px + 0.12 * (x * math.cos(ang) - y * math.sin(ang)),
            py + 0.12 * (x * math.sin(ang) + y * math.cos(ang)),
        )
        for x, y in pts
    ]
    b.poly(rot[:4], b.c(4))
    b.poly(rot[4:], b.c(4))


def education(b: Box) -> None:
    tilt = b.u(-0.04, 0.04)
    for side in (-1, 1):
        b.poly(
            [
                (0, 0.02),
                (side * 0.42, -0.04 + side * tilt),
                (side * 0.42, 0.3 + side * tilt),
                (0, 0.36),
            ],
            b.c(4),
        )
        for k in range(5):
            y = 0.06 + k * 0.05
            b.draw.line(
                (*b.at(side * 0.06, y), *b.at(side * 0.34, y - 0.04 + side * tilt)),
                fill=b.c(2),
                width=max(2, int(b.s * 0.007)),
            )
    b.rect(-0.02, 0.0, 0.02, 0.37, b.c(1))
    b.circle(0, -0.28, 0.12, b.c(3))
    b.rect(-0.05, -0.17, 0.05, -0.1, b.c(1), radius=0.01)
    _rays(b, 0, -0.28, 0.15, 0.22, 9, b.c(3, 200))


def abstract(b: Box) -> None:
    for _ in range(int(b.rng.integers(7, 13))):
        kind = b.rng.integers(4)
        colour = b.c(int(b.rng.integers(1, 5)), int(b.rng.integers(150, 255)))
        x, y, r = b.u(-0.4, 0.4), b.u(-0.4, 0.4), b.u(0.06, 0.22)
        if kind == 0:
            b.circle(x, y, r, colour)
        elif kind == 1:
            a = b.u(0, math.pi)
            b.poly(
                [
                    (x + r * math.cos(a + k * 2.094), y + r * math.sin(a + k * 2.094))
                    for k in range(3)
                ],
                colour,
            )
        elif kind == 2:
            b.rect(x - r, y - r * 0.5, x + r, y + r * 0.5, colour, radius=r * 0.2)
        else:
            b.draw.arc(
                (*b.at(x - r, y - r), *b.at(x + r, y + r)),
                b.u(0, 180),
                b.u(200, 360),
                fill=colour,
                width=max(4, int(b.s * 0.02)),
            )


DRAWERS = {
    "sun": sun,
    "mountain": mountain,
    "city": city,
    "ocean": ocean,
    "space": space,
    "money": money,
    "food": food,
    "tech": tech,
    "nature": nature,
    "love": love,
    "music": music,
    "fitness": fitness,
    "animals": animals,
    "car": car,
    "weather": weather,
    "travel": travel,
    "education": education,
    "abstract": abstract,
}
