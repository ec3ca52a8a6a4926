"""What the demo's quarterly returns say: each pillar's narratives, the self-assessment's reason,
the national team's comments, questions and the force's answers, and reasons for corrections.

Short, plain English about improving rape investigation, built from small phrase lists so that
every force and pillar reads a little differently. Programme-level words only: never anything
about a victim or a case. ``demo.returns`` picks from these with its own seeded random stream.
"""

from __future__ import annotations

import random

# Per pillar: what was done (early: the quarter the plan was first being put in place), the risks
# and the help asked of the national team.
PROGRESS = {
    "P1": (
        "Suspect-focused investigation guidance is now used in every new investigation and checked at the "
        "28-day supervisory review.",
        "The investigation plan template was revised so that the suspect's behaviour before and after the "
        "offence is considered from the first day.",
        "A dip sample found the suspect-focused approach in most investigation plans; feedback went to each team.",
        "Disclosure champions are in place in every RASSO team, and early disclosure checks are part of the "
        "charging file review.",
        "Joint case reviews with the CPS Area now run monthly, with action points tracked to completion.",
        "Bail and released-under-investigation cases are reviewed every fortnight by a detective inspector.",
    ),
    "P2": (
        "A repeat suspect list is produced each month from crime and intelligence data and reviewed at tasking.",
        "Disruption options, such as civil orders and licence conditions, are now recorded for every repeat "
        "suspect.",
        "Offender managers and RASSO investigators meet every fortnight to share intelligence on high-harm "
        "suspects.",
        "The pilot of ancillary orders to disrupt repeat suspects has been extended to a second policing area.",
        "Analysts now flag linked reports to the investigation team within a week of the second report.",
    ),
    "P3": (
        "Victim engagement plans are agreed at first contact and reviewed at each supervisory review.",
        "Every victim is offered a referral to an ISVA, and referral rates are reported each month.",
        "The victim feedback survey has restarted, and its findings were shared with every RASSO team.",
        "Letters to victims were rewritten in plain English with the local ISVA service.",
        "Investigators completed procedural justice training; refresher sessions are booked.",
        "A single point of contact now gives updates at agreed intervals, recorded on the crime system.",
    ),
    "P4": (
        "Specialist RASSO training was delivered to new investigators, and completion is tracked by team.",
        "Wellbeing check-ins for RASSO officers are held every quarter by trauma-informed supervisors.",
        "Psychological screening was offered to every officer in the RASSO unit, and take-up is good.",
        "Monthly development sessions on suspect-focused investigation are running.",
        "A mentoring scheme pairs newly accredited investigators with experienced colleagues.",
    ),
    "P5": (
        "The RASSO performance dashboard is live and reviewed at the monthly performance meeting.",
        "Weekly data quality checks on rape crime records send errors back to the teams to correct.",
        "A problem profile of rape offending was completed and used to set next year's priorities.",
        "Outcome rates are now reported by team, with a note on the reasons behind any change.",
        "The analysts produced the first quarterly trends report for the programme board.",
    ),
    "P6": (
        "Digital media investigators now triage victims' phones within 24 hours in most cases.",
        "Kiosk capacity was increased, and the number of devices waiting for examination has fallen.",
        "Guidance on proportionate digital extraction was issued and is explained to victims in writing.",
        "Examinations of suspects' devices are prioritised in line with the suspect-focused approach.",
        "Loan phones are now offered when a victim's phone has to be kept.",
    ),
}
EARLY_PROGRESS = (
    "The deep dive findings were accepted by the chief officer group and each action has an owner.",
    "A baseline of current practice was taken so that progress can be measured.",
    "The working group for this pillar has met and agreed its terms of reference.",
    "Actions and milestones were agreed with the pillar lead and entered in the tracker.",
)
RISKS = {
    "P1": (
        "Investigator vacancies in the RASSO teams slow the roll-out of the new supervision checks.",
        "Disclosure work on complex investigations is still heavy and delays file submission.",
        "File quality varies between teams; the dip sample will be repeated next quarter.",
        "Waiting times for early advice from the CPS remain longer than we would like.",
    ),
    "P2": (
        "The repeat suspect list relies on matching records by hand because of data quality in the crime system.",
        "Analyst time is shared with other priorities, and the monthly list has slipped twice.",
        "Information-sharing agreements with partner agencies are not yet signed.",
    ),
    "P3": (
        "Victim withdrawal remains a concern, and we are reviewing the reasons recorded.",
        "ISVA services report waiting lists, which delay the start of support.",
        "Updates to victims are not always recorded on the crime system.",
    ),
    "P4": (
        "Turnover in the RASSO teams means training has to be repeated for new starters.",
        "Cover for officers attending training is hard to find.",
        "Sickness absence in one team is above the force average.",
    ),
    "P5": (
        "Changes to the records management system may interrupt the dashboard's data feed.",
        "Analysts are spread thinly across competing demands.",
        "Some outcome codes are applied inconsistently, which affects comparisons between teams.",
    ),
    "P6": (
        "The queue of suspects' devices waiting for full examination is still growing.",
        "Recruiting digital forensic examiners remains difficult.",
        "Accreditation of the new kiosks is taking longer than planned.",
    ),
}
HELP = {
    "P1": ("Examples from other forces of supervision checks that work with high caseloads.",
           "National guidance on proportionate requests for third-party material."),
    "P2": ("Advice on the legal basis for sharing repeat suspect data with partners.",
           "Access to the national repeat suspect analytics tool."),
    "P3": ("Good practice on keeping victims engaged through long investigations.",
           "Clarity on the questions in the national victim feedback survey."),
    "P4": ("Places on the national learning programme for supervisors.",
           "Funding for more places on the specialist investigator course."),
    "P5": ("A common national definition of the time from report to charge.",
           "Help comparing our outcome figures with similar forces."),
    "P6": ("Guidance on how long downloaded data from victims' phones should be kept.",
           "Support with the accreditation timetable for digital forensic units."),
}
NO_HELP = ("None this quarter.", "Nothing further this quarter; we will raise anything at the regional meeting.")
REASONS = {
    "on_track": (
        "Actions are being delivered to plan and most of this quarter's milestones were met.",
        "Most actions are complete or on time, and the early results are encouraging.",
        "Progress is steady, and the few overdue actions have agreed recovery dates.",
    ),
    "at_risk": (
        "Two actions have slipped because of staffing pressures; recovery plans are in place.",
        "Progress slowed this quarter and some milestones have been re-planned.",
        "Delivery depends on resources that are not yet confirmed.",
    ),
    "off_track": (
        "Several actions are overdue and the main dependency is not yet resolved.",
        "The key action in this pillar is blocked and has been escalated to the programme board.",
    ),
}
EARLY_REASON = "The plan for this pillar has just been agreed; every action has an owner and a due date."
# The national team's comment, by whether it agrees with the force and the rating it gives.
AGREE = (
    "We agree with the force's assessment; the return gives the evidence for it.",
    "Agreed. Progress is clearly described and matches the plan's figures.",
    "Agreed. We would like to see the results of the next dip sample.",
    "We agree. The risks are understood and are being managed.",
)
DISAGREE = {
    "on_track": ("We would rate this pillar on track: the figures show steady completion and the risks are "
                 "being managed.",
                 "We see this as on track; the slipped milestones are minor and have new dates."),
    "at_risk": ("We think this pillar is at risk: several milestones have been re-planned and overdue actions "
                "have risen.",
                "We rate this at risk rather than on track until the staffing gap is filled."),
    "off_track": ("We consider this pillar off track: overdue actions have not fallen for two quarters.",
                  "We rate this off track: the blocked action needs a decision from chief officers."),
}
# Questions the national team asks about a pillar, each with the force's answer.
QUESTIONS = {
    "P1": (("How many investigations were dip sampled this quarter, and what did the sample show?",
            "Forty investigations were sampled. Most had a suspect-focused plan; the teams with gaps had "
            "feedback and will be sampled again."),
           ("When do you expect the delayed supervision actions to finish?",
            "By the end of next quarter, once the two investigator posts are filled.")),
    "P2": (("Is the repeat suspect list now produced automatically?",
            "Not yet. The crime system change is booked for next quarter; until then analysts match records by "
            "hand."),),
    "P3": (("What is the victim feedback survey telling you?",
            "Victims value regular updates but found our letters hard to follow, so the letters have been "
            "rewritten with the ISVA service."),
           ("How are ISVA waiting times being addressed?",
            "We have agreed extra ISVA hours with the commissioner's office from next month.")),
    "P4": (("Has the problem of cover for training been resolved?",
            "Partly. Two sessions moved to weekends, and overtime covers the remaining places."),),
    "P5": (("When will the dashboard show outcome rates by team?",
            "The team view goes live next month, after the data quality checks are finished."),),
    "P6": (("What is the current wait for examinations of suspects' devices?",
            "The queue fell this quarter; the wait is now about eight weeks, down from twelve."),
           ("Are loan phones available in every policing area?",
            "Yes, since the start of this quarter.")),
}
GENERAL_QUESTIONS = (
    ("Please confirm the chief officer lead has seen this return.",
     "Yes: the deputy chief constable reviewed and approved the return before it was submitted."),
    ("Is the programme board still meeting monthly?",
     "Yes, on the second Tuesday of each month, chaired by the head of crime."),
)
# Why a force corrected its return, by what it changed ("{code}" is the pillar).
CORRECTION_REASONS = {
    "progress": "The {code} progress described last quarter's position; corrected after the national team's "
                "question.",
    "risks": "Added the risk the chief officer lead raised about {code} after the return was submitted.",
    "assessment": "Corrected the {code} self-assessment to at risk after the programme board reviewed the overdue "
                  "actions.",
}
CORRECTION_ANSWER = "Thank you: we have corrected the return and will resubmit it."
CORRECTED_RISK = "Since submitting, the chief officer lead has asked us to record a further risk: {risk}"


def self_assessment(rng: random.Random, early: bool) -> str:
    weights = (70, 30, 0) if early else (50, 38, 12)
    return rng.choices(("on_track", "at_risk", "off_track"), weights=weights)[0]


def section(rng: random.Random, code: str, assessment: str, early: bool) -> dict[str, str]:
    """One pillar's words: the self-assessment, its reason and the three narratives."""
    done = rng.sample(PROGRESS[code], 2)
    progress = f"{rng.choice(EARLY_PROGRESS)} {done[0]}" if early else " ".join(done)
    return {"assessment": assessment,
            "reason": EARLY_REASON if early and assessment == "on_track" else rng.choice(REASONS[assessment]),
            "progress": progress, "risks": rng.choice(RISKS[code]),
            "help_needed": rng.choice(HELP[code]) if rng.random() < 0.6 else rng.choice(NO_HELP)}


def corrected(rng: random.Random, code: str, words: dict[str, str]) -> tuple[dict[str, str], str]:
    """The same section after a correction (a harsher self-assessment, a risk added or the progress
    restated), and the reason the force gives for it."""
    if words["assessment"] == "on_track" and rng.random() < 0.4:
        changed = {**words, "assessment": "at_risk", "reason": rng.choice(REASONS["at_risk"])}
        kind = "assessment"
    elif rng.random() < 0.5:
        others = [r for r in RISKS[code] if r != words["risks"]]
        changed = {**words, "risks": f"{words['risks']} {CORRECTED_RISK.format(risk=rng.choice(others))}"}
        kind = "risks"
    else:
        others = [p for p in PROGRESS[code] if p not in words["progress"]]
        changed = {**words, "progress": " ".join(rng.sample(others, 2))}
        kind = "progress"
    return changed, CORRECTION_REASONS[kind].format(code=code)


def national_view(rng: random.Random, force_rating: str, disagree: bool) -> tuple[str, str]:
    """The national team's rating of a pillar and its comment."""
    if not disagree:
        return force_rating, rng.choice(AGREE)
    rating = {"on_track": "at_risk", "off_track": "at_risk"}.get(force_rating) or rng.choice(("on_track", "off_track"))
    return rating, rng.choice(DISAGREE[rating])


def question(rng: random.Random, code: str | None) -> tuple[str, str]:
    return rng.choice(QUESTIONS[code] if code else GENERAL_QUESTIONS)
