"""Outcome figures in the demo data: each force's 2019 baseline and its figures for every quarter from
April 2019 (FY 2019-20 Q1, the first quarter the service takes figures for) to the latest ended one.

The shapes follow the Operation Soteria year one report, with made-up numbers:

- recorded offences scale with the force's population (the Metropolitan Police far above Durham),
  dip in the first lockdown (April to June 2020) and climb as more victims report;
- from the quarter a force's programme began (its cohort: pathfinders April 2021, the 2022
  expansion October 2022, the national roll-out July 2023) its improvement builds up over
  four years, fast at first: referrals to the CPS roughly double against the 2019 average, the
  charge rate moves from about 3.6 % towards 4.5 % and beyond, more victims' phones come back
  within 24 hours, victim withdrawal falls slowly and the median days to charge fall;
- each force has its own ``effect``: the pathfinders improve about as the report says, the other
  forces a lot, a little or not at all, and some get worse, so the rankings mean something.

Parts never exceed their wholes, and the baseline is the average of the four quarters of 2019
drawn the same way (so the 2019-20 quarters sit around it).

Two writers:

- ``schedule_pathfinder_outcomes`` (seed-demo) saves the five pathfinders' figures through the
  service (``services.outcomes``) on the demo's simulated calendar: the history before the demo
  accounts existed loaded by the national team in one sitting, each later quarter entered by the
  force's programme manager the day after it ended.
- ``write_national_outcomes`` (demo generate) writes every generated force's figures with SQL
  inserts, with the audit events ``save_quarter`` and ``save_baseline`` would have recorded.

Deterministic (seeded random streams of its own, one per force for its figures, so adding figures
changes nothing else the demo draws and a quarter's figures do not depend on the day) and
idempotent: a force's quarter that has figures, and a force that has a baseline, are left as they
are.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from improvement_tracker.demo.accounts import OVERSIGHT, PATHFINDERS
from improvement_tracker.demo.national_people import DOMAIN
from improvement_tracker.demo.national_rows import Generation, insert_rows
from improvement_tracker.demo.returns import DemoCalendar
from improvement_tracker.models import Force, OutcomeBaseline, OutcomeFigure, ReportingPeriod, User
from improvement_tracker.services import outcomes, reporting_periods
from improvement_tracker.services.reporting_periods import Quarter

SEED = 20190401
FIRST = Quarter(outcomes.EARLIEST_YEAR, 1)
# When each cohort's programme began, as a quarter.
PROGRAMME_STARTS = {"pathfinder": Quarter(2021, 1), "expansion_2022": Quarter(2022, 3),
                    "national_2023": Quarter(2023, 2)}
RAMP = 16  # quarters for a force's improvement to build up fully
# Adult rape offences recorded a quarter per million people in 2019: about 9,000 a quarter for
# England and Wales.
PER_MILLION = 150
# Rough populations in millions, so recorded offences vary by force size. City of London's few
# residents understate its recorded offences, hence the floor in ``size_of``.
POPULATION = {
    "avon-and-somerset": 1.75, "bedfordshire": 0.69, "cambridgeshire": 0.87, "cheshire": 1.07,
    "city-of-london": 0.01, "cleveland": 0.57, "cumbria": 0.5, "derbyshire": 1.05, "devon-and-cornwall": 1.8,
    "dorset": 0.78, "durham": 0.64, "essex": 1.85, "gloucestershire": 0.64, "greater-manchester": 2.87,
    "hampshire-and-isle-of-wight": 2.0, "hertfordshire": 1.2, "humberside": 0.93, "kent": 1.86,
    "lancashire": 1.5, "leicestershire": 1.1, "lincolnshire": 0.77, "merseyside": 1.43,
    "metropolitan-police-service": 8.9, "norfolk": 0.92, "north-yorkshire": 0.83, "northamptonshire": 0.76,
    "northumbria": 1.47, "nottinghamshire": 1.16, "south-yorkshire": 1.41, "staffordshire": 1.13,
    "suffolk": 0.76, "surrey": 1.2, "sussex": 1.7, "thames-valley": 2.4, "warwickshire": 0.58,
    "west-mercia": 1.3, "west-midlands": 2.93, "west-yorkshire": 2.32, "wiltshire": 0.72,
    "dyfed-powys": 0.52, "gwent": 0.6, "north-wales": 0.7, "south-wales": 1.33,
}


@dataclass(frozen=True)
class Shape:
    """How one force's figures run: its size, where it stood in 2019 and how far it moves."""

    size: float  # recorded offences a quarter in 2019
    starts: int  # the index (from April 2019) of the quarter its programme began
    effect: dict[str, float]  # per measure: 1 is the pathfinders' improvement, 0 none, below 0 worse
    referral_share: float  # referrals per recorded offence in 2019
    charge_rate: float  # percentage in 2019
    withdrawal_share: float
    days: float
    phones_share: float  # phones taken per recorded offence
    phones_24h: float  # share of phones back within 24 hours in 2019


def covered(today: date) -> list[Quarter]:
    """Every quarter from April 2019 to the latest that has ended by ``today``, oldest first."""
    last = reporting_periods.quarter_of(today).preceding
    found, quarter = [], FIRST
    while (quarter.financial_year, quarter.quarter) <= (last.financial_year, last.quarter):
        found.append(quarter)
        quarter = quarter.following
    return found


def _index(quarter: Quarter) -> int:
    return 4 * (quarter.financial_year - FIRST.financial_year) + quarter.quarter - FIRST.quarter


def size_of(force: Force) -> float:
    return max(20.0, PER_MILLION * POPULATION.get(force.code, 1.0))


def _effects(rng: random.Random, effect: float, spread: float) -> dict[str, float]:
    """One overall effect, spread measure by measure (a force is not equally good at everything)."""
    return {code: effect * rng.uniform(1 - spread, 1 + spread)
            for code in ("referrals", "charges", "withdrawals", "days", "phones")}


def pathfinder_shape(force: Force, rng: random.Random) -> Shape:
    """A pathfinder: starting where the year one report says and improving about as much as it says."""
    return Shape(size=size_of(force), starts=_index(PROGRAMME_STARTS["pathfinder"]),
                 effect=_effects(rng, rng.uniform(0.9, 1.1), 0.1),
                 referral_share=rng.uniform(0.12, 0.16), charge_rate=rng.uniform(3.45, 3.75),
                 withdrawal_share=rng.uniform(0.40, 0.45), days=rng.uniform(380, 460),
                 phones_share=rng.uniform(0.3, 0.4), phones_24h=rng.uniform(0.2, 0.35))


def national_shape(force: Force, rng: random.Random) -> Shape:
    """Any force: pathfinders improve a lot; the others a lot (a quarter of them), somewhat, a little,
    or get worse (one in ten)."""
    draw = rng.random()
    if force.cohort == "pathfinder":
        effect = rng.uniform(0.7, 1.2)
    elif draw < 0.25:
        effect = rng.uniform(0.8, 1.2)
    elif draw < 0.7:
        effect = rng.uniform(0.3, 0.8)
    elif draw < 0.9:
        effect = rng.uniform(0.0, 0.3)
    else:
        effect = rng.uniform(-0.5, -0.1)
    starts = _index(PROGRAMME_STARTS.get(force.cohort, PROGRAMME_STARTS["national_2023"]))
    return Shape(size=size_of(force) * rng.uniform(0.85, 1.15), starts=starts, effect=_effects(rng, effect, 0.25),
                 referral_share=rng.uniform(0.10, 0.18), charge_rate=min(5.0, max(2.0, rng.gauss(3.5, 0.6))),
                 withdrawal_share=rng.uniform(0.35, 0.5), days=rng.uniform(330, 520),
                 phones_share=rng.uniform(0.25, 0.45), phones_24h=rng.uniform(0.1, 0.4))


def _progress(shape: Shape, index: int) -> float:
    """How much of its improvement a force has made by a quarter: none before its programme, over half
    in the first year (the pathfinders' charge rate about 5 % by April to June 2022), all after
    ``RAMP`` quarters."""
    done = min(1.0, max(0.0, (index - shape.starts) / RAMP))
    return 1 - (1 - done) ** 3


def _reporting(index: int) -> float:
    """Offences recorded against 2019: the first lockdown's dip, then more victims coming forward."""
    if index == 4:
        return 0.8
    if 5 <= index <= 7:
        return 0.95
    return min(1.3, 1 + 0.025 * max(0, index - 8))


def quarter_values(shape: Shape, index: int, rng: random.Random) -> dict[str, float]:
    """A quarter's typed figures, unrounded. Every random draw happens whatever the values, so the
    stream stays the same length."""
    def noise(spread: float) -> float:
        return max(0.5, rng.gauss(1, spread))

    p, effect = _progress(shape, index), shape.effect
    lockdown = 0.85 if index == 4 else 1.0
    recorded = shape.size * _reporting(index) * noise(0.05)
    referrals = shape.size * shape.referral_share * lockdown * max(0.3, 1 + 1.2 * effect["referrals"] * p)
    charge_rate = min(15.0, max(0.5, shape.charge_rate + 2.4 * effect["charges"] * p))
    assigned = recorded * 0.93 * noise(0.04)
    withdrawal = min(0.7, max(0.1, shape.withdrawal_share - 0.06 * effect["withdrawals"] * p))
    phones_24h = effect["phones"] * p
    phones_24h = (shape.phones_24h + (0.97 - shape.phones_24h) * min(1.0, phones_24h) if phones_24h >= 0
                  else shape.phones_24h * (1 + phones_24h))
    phones_taken = recorded * shape.phones_share * noise(0.08)
    return {
        "recorded_offences": recorded,
        "referrals": referrals * noise(0.06),
        "charges": recorded * charge_rate / 100 * noise(0.08),
        "outcomes_assigned": assigned,
        "victim_withdrawals": assigned * withdrawal * noise(0.04),
        "median_days_to_charge": shape.days * max(0.4, 1 - 0.25 * effect["days"] * p) * noise(0.05),
        "phones_taken": phones_taken,
        "phones_returned_24h": phones_taken * min(1.0, max(0.0, phones_24h)) * noise(0.03),
    }


# Each part and its whole: rounded separately, a part is then held to its whole.
PARTS = (("charges", "recorded_offences"), ("victim_withdrawals", "outcomes_assigned"),
         ("phones_returned_24h", "phones_taken"))


def _typed(values: dict[str, float]) -> dict[str, Decimal]:
    """As the service stores them: counts whole, the median days to the half day, parts within their wholes."""
    typed = {code: Decimal(max(0, round(value))) for code, value in values.items() if code != "median_days_to_charge"}
    typed["median_days_to_charge"] = Decimal(round(values["median_days_to_charge"] * 2)) / 2
    for part, whole in PARTS:
        typed[part] = min(typed[part], typed[whole])
    return typed


def series(shape: Shape, rng: random.Random, count: int) -> tuple[dict[str, Decimal], list[dict[str, Decimal]]]:
    """The force's 2019 baseline and its figures for ``count`` quarters from April 2019. The baseline
    averages the four quarters of calendar 2019: January to March (drawn here only for it) and the
    first three stored quarters."""
    drawn = [quarter_values(shape, index, rng) for index in range(-1, max(count, 3))]
    calendar_2019 = drawn[:4]
    average = {code: sum(q[code] for q in calendar_2019) / 4 for code in calendar_2019[0]}
    baseline = _typed(average)
    baseline["median_days_to_charge"] = Decimal(str(round(average["median_days_to_charge"], 1)))
    return baseline, [_typed(values) for values in drawn[1:count + 1]]


def _stream(seed: int, force: Force) -> random.Random:
    """A force's own stream for its shape and figures: a quarter's figures stay the same whichever
    day the demo is loaded and whichever other forces are generated with it."""
    return random.Random(f"{seed}:{force.code}")  # nosec B311  # seeded demo data, not a secret


def _text(value: Decimal) -> str:
    """A figure as the history shows it (services.outcomes): 9, not 9.0."""
    return f"{value.normalize():f}"


def _periods(session: Session, today: date) -> list[ReportingPeriod]:
    return [reporting_periods.make(session, q.financial_year, q.quarter) for q in covered(today)]


def _entered_on(period: ReportingPeriod) -> date:
    """When a force typed a quarter's figures: the day after it ended, so they are in place before the
    force submits its quarterly return (two days after the quarter at the earliest, ``demo.returns``)."""
    return period.ends_on + timedelta(days=1)


# --- seed-demo: through the service, on the demo's calendar --------------------------------------


def schedule_pathfinder_outcomes(builder: DemoCalendar, forces: dict[str, Force], people: dict[str, User]) -> None:
    """Schedule the service calls that save each pathfinder's baseline and quarters."""
    session, today = builder.session, builder.today
    rng = random.Random(SEED)  # nosec B311  # seeded demo data, not a secret
    periods = _periods(session, today)
    oversight = people[OVERSIGHT.email]
    # The accounts were made a year ago: the history before then was loaded by the national team.
    loaded = builder.moment(-364, 60)
    for number, code in enumerate(PATHFINDERS):
        force = forces[code]
        manager = people[f"pm.{code}@demo.police.uk"]
        shaped = _stream(SEED, force)
        baseline, quarters = series(pathfinder_shape(force, shaped), shaped, len(periods))
        stored = outcomes.baseline(session, force)
        have = set(session.scalars(select(OutcomeFigure.period_id).where(OutcomeFigure.force_id == force.id)))
        history: list[tuple[ReportingPeriod, dict[str, Decimal]]] = []
        for period, typed in zip(periods, quarters, strict=True):
            offset = (_entered_on(period) - today).days
            minutes = rng.randint(0, 420)
            if period.id in have:
                continue
            if builder.moment(min(offset, 0), minutes) <= loaded:
                history.append((period, typed))
            else:
                builder.schedule(builder.moment(min(offset, 0), minutes),
                                 _save_step(builder, force, [(period, typed)], manager))
        builder.schedule(loaded + timedelta(minutes=5 * number),
                         _save_step(builder, force, history, oversight, None if stored else baseline))


def _save_step(builder: DemoCalendar, force: Force, quarters: list[tuple[ReportingPeriod, dict[str, Decimal]]],
               actor: User, baseline: dict[str, Decimal] | None = None) -> Callable[[datetime], None]:
    def work(at: datetime) -> None:
        session = builder.session
        if baseline is not None:
            outcomes.save_baseline(session, force, baseline, actor)
            session.execute(update(OutcomeBaseline).where(OutcomeBaseline.force_id == force.id)
                            .values(updated_at=at).execution_options(synchronize_session=False))
        for period, typed in quarters:
            outcomes.save_quarter(session, force, period, typed, actor, builder.today)
        if quarters:
            # The rows' own time is the simulated one, as their audit events' is.
            session.execute(update(OutcomeFigure).where(
                OutcomeFigure.force_id == force.id, OutcomeFigure.period_id.in_([p.id for p, _ in quarters]))
                .values(updated_at=at).execution_options(synchronize_session=False))
    return work


# --- demo generate: SQL inserts with the audit events the service would have written -------------


def write_national_outcomes(gen: Generation, *, only_if_none: bool = False) -> int:
    """Write the baseline and quarters of every force with a programme manager of this seed; with
    ``only_if_none``, only if none of them has any figure (a dataset generated before outcome
    figures existed). Returns how many figures were written."""
    session, today = gen.session, gen.today
    pm_of = {force_id: user_id for user_id, force_id in session.execute(select(User.id, User.force_id).where(
        User.role == "programme_manager", User.email.like(f"pm.%.s{gen.seed}@{DOMAIN}")))}
    loader = session.scalar(select(User.id).where(User.email == f"oversight1.s{gen.seed}@{DOMAIN}"))
    if not pm_of:
        return 0
    if only_if_none and session.scalar(select(OutcomeFigure.id).where(
            OutcomeFigure.force_id.in_(pm_of)).limit(1)) is not None:
        return 0
    forces = list(session.scalars(select(Force).where(Force.id.in_(pm_of)).order_by(Force.name)))
    periods = _periods(session, today)
    measures = {m.code: m.id for m in outcomes.catalogue(session) if not outcomes.is_derived(m)}
    have = set(session.execute(select(OutcomeFigure.force_id, OutcomeFigure.period_id).where(
        OutcomeFigure.force_id.in_(pm_of)).distinct()).all())
    based = set(session.scalars(select(OutcomeBaseline.force_id).where(OutcomeBaseline.force_id.in_(pm_of))))
    rng = random.Random(SEED + gen.seed)  # nosec B311  # seeded generated data, not a secret
    # The accounts were made 400 days ago (national_people): the history before then was loaded by
    # the national team the day after.
    loaded = gen.moment(-399, 30)
    figures: list[dict] = []
    baselines: list[dict] = []
    for force in forces:
        shaped = _stream(SEED + gen.seed, force)
        baseline, quarters = series(national_shape(force, shaped), shaped, len(periods))
        if force.id not in based:
            baselines += _rows(baseline, measures, loader, loaded, force_id=force.id)
            gen.event(loader, "outcomes.baseline_saved", "outcome_baseline", force.id, loaded, force_id=force.id,
                      changes=_changes(baseline, measures), summary="2019 baseline of outcome figures")
        for period, typed in zip(periods, quarters, strict=True):
            day, minutes = _entered_on(period), rng.randint(0, 420)
            if (force.id, period.id) in have:
                continue
            at = gen.moment((day - today).days, minutes)
            actor = pm_of[force.id]
            if at <= loaded:
                at, actor = loaded, loader
            figures += _rows(typed, measures, actor, at, force_id=force.id, period_id=period.id)
            gen.event(actor, "outcomes.figures_saved", "outcome_figures", period.id, at, force_id=force.id,
                      changes=_changes(typed, measures), summary=f"{reporting_periods.label(period)} outcome figures")
    insert_rows(session, OutcomeBaseline, baselines)
    insert_rows(session, OutcomeFigure, figures)
    gen.write_audit()
    return len(figures)


def _rows(typed: dict[str, Decimal], measures: dict[str, int], actor: int | None, at: datetime,
          **keys: int) -> list[dict]:
    return [{**keys, "measure_id": measures[code], "value": value, "entered_by_id": actor, "updated_at": at,
             "row_version": 1} for code, value in typed.items() if code in measures]


def _changes(typed: dict[str, Decimal], measures: dict[str, int]) -> dict[str, list]:
    """{code: [None, "9"]} for each measure, in the catalogue's order, as save_quarter records them."""
    return {code: [None, _text(typed[code])] for code in measures if code in typed}
