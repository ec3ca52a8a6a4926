"""Demo data: the five pathfinder forces' improvement plans, for trying the service out.

Everything is built through the same services the pages use, acted by demo users (the
programme manager records the plan, owners post updates and ask for sign-off, the
programme manager signs off), so the audit trail, the re-plan history and the progress
narrative are all real rows. The plans are played out over the past year on a simulated
calendar: after each step the rows it wrote (progress updates, audit events, completion
dates...) are given the simulated time of that step, so dashboards show a plan with a
history rather than one typed in a minute ago.

Deterministic: a fixed random seed, and dates relative to the ``today`` given. Idempotent:
if any demo account exists the seed adds nothing. Never run in production (the command
refuses): every demo account shares one published password.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session, scoped_session

from improvement_tracker.models import (
    Action,
    AuditEvent,
    DeepDive,
    DueDateChange,
    Finding,
    Force,
    Milestone,
    Pillar,
    ProgressUpdate,
    User,
)
from improvement_tracker.services import clock, milestones, plans, status, users

# Published on purpose: printed by seed-demo, and the command refuses to run in production.
DEMO_PASSWORD = "demo password 2026"  # noqa: S105  # nosec B105  # published on purpose
SEED = 20210101

DEEP_DIVE_TITLE = "Operation Soteria Bluestone deep dive"
DEEP_DIVE_PERIOD = "January 2021 to August 2022"
DEEP_DIVE_LEAD = "Operation Soteria Bluestone academic team"
DEEP_DIVE_SUMMARY = (
    "Academic teams reviewed case files, observed investigative practice and held focus groups "
    "with investigators, victims and support services in {force}. Findings are grouped by the six "
    "pillars of the National Operating Model; this plan sets out the force's response to each."
)

# Demo sign-offs predate evidence uploads: each records why it was signed off without any.
DEMO_NO_EVIDENCE_REASON = "Evidence was checked against the force's own records before it was kept in the tracker."


# --- the demo accounts ------------------------------------------------------------------

@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    name: str
    force_code: str | None = None


ADMIN = DemoAccount("admin", "admin@demo.police.uk", "Sam Fletcher")
OVERSIGHT = DemoAccount("oversight", "oversight@demo.homeoffice.gov.uk", "Nadia Rahman")

# Programme manager, then the action owners (two in the smaller forces, three in the larger).
TEAMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "avon-and-somerset": ("Helen Marsh", ("Tom Okafor", "Rachel Hughes", "Imran Siddiqui")),
    "metropolitan-police-service": ("Grace Adeyemi", ("Liam Byrne", "Sofia Costa", "Daniel Wright")),
    "durham": ("Claire Robson", ("Mark Elliott", "Aisha Karim")),
    "west-midlands": ("Harpreet Sandhu", ("James Whitfield", "Chloe Bennett", "Yusuf Patel")),
    "south-wales": ("Rhian Evans", ("Gareth Jenkins", "Megan Price")),
}
PATHFINDERS = tuple(TEAMS)

# Which owner usually holds which pillars' actions, by the size of the team.
OWNER_AREAS = {
    2: {"P1": 0, "P2": 0, "P3": 0, "P4": 1, "P5": 1, "P6": 1},
    3: {"P1": 0, "P2": 0, "P3": 1, "P4": 1, "P5": 2, "P6": 2},
}


def accounts() -> list[DemoAccount]:
    """Every demo account, in the order of the sign-in table."""
    result = [ADMIN, OVERSIGHT]
    for code, (manager, owners) in TEAMS.items():
        result.append(DemoAccount("programme_manager", f"pm.{code}@demo.police.uk", manager, code))
        for number, owner in enumerate(owners, start=1):
            result.append(DemoAccount("action_owner", f"owner{number}.{code}@demo.police.uk", owner, code))
    return result


# --- what the plans say -----------------------------------------------------------------

@dataclass(frozen=True)
class ActionTemplate:
    title: str
    description: str
    success_measure: str
    milestones: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FindingTemplate:
    pillar: str
    type: str
    priority: str
    title: str
    detail: str  # "{force}" is replaced with the force's name
    actions: tuple[ActionTemplate, ...]


A = ActionTemplate
F = FindingTemplate

FINDINGS: tuple[FindingTemplate, ...] = (
    # P1 Suspect-focused investigations
    F("P1", "cause_of_concern", "high",
      "Investigations test the victim's credibility instead of the suspect's behaviour",
      "The case-file review in {force} found that early investigative effort went into the victim's "
      "background, previous reports, mental health and the consistency of their account. The suspect's "
      "behaviour before, during and after the offence, their relationships and their previous contact "
      "with police were rarely explored, and investigation plans seldom set out a suspect strategy.",
      (A("Make a suspect-focused investigation plan mandatory in every RASSO case",
         "Introduce an investigation plan template that opens with the suspect: behaviour, relationships, "
         "previous reports and the opportunities to gather evidence about them. Supervisors check it at "
         "the first review.",
         "A suspect-focused plan is on file in at least 90% of RASSO investigations in the quarterly "
         "dip-sample.",
         ("Template agreed with the CPS RASSO unit", "Template built into the crime recording system",
          "All RASSO supervisors briefed", "First quarterly dip-sample reported"),
         ("Template drafted with the CPS area RASSO lead; two rounds of comments from detective sergeants.",
          "Records system change raised with IT and booked into the next release.")),
       A("Stop routine requests for victims' third-party material",
         "Rewrite the third-party material policy so counselling, medical, education and social care "
         "records are requested only for a reasonable line of enquiry, with the reason recorded and the "
         "victim told.",
         "Every request in a sample of 50 has a recorded, case-specific reason, and requests per case "
         "fall against the 2022 baseline.",
         ("Policy rewritten and agreed with the CPS", "Request form changed to require a reason",
          "Audit of 50 requests completed"),
         ("Baseline taken: requests were made in most sampled cases, usually with no recorded reason.",
          "Draft policy shared with the ISVA service for comment; they asked for a plain-words leaflet "
          "for victims.")),
       A("Check the suspect strategy at the 7-day and 28-day supervisory reviews",
         "Add two fixed supervisory reviews to every RASSO investigation, each checking that "
         "suspect-focused lines of enquiry are being followed.",
         "Reviews at 7 and 28 days are recorded in at least 85% of cases in the monthly performance pack.",
         ("Review questions agreed", "Reminder built into the case management system",
          "Compliance reported to the monthly performance meeting"),
         ("Review questions tested with two teams; they asked for fewer, sharper questions.",
          "Compliance was 61% in the first month, mostly missing 28-day reviews.")))),
    F("P1", "area_for_improvement", "medium",
      "Early evidence about the suspect is missed in the first days",
      "Opportunities to gather evidence about the suspect (arrest, searches, seizure of devices, CCTV, "
      "house-to-house enquiries) were often not taken in the first days of an investigation in {force}, "
      "and suspect interviews were commonly delayed by weeks.",
      (A("Give first responders a suspect-focused early evidence checklist",
         "A short checklist of early evidence opportunities about the suspect for response officers "
         "attending a report of rape, on their phones and in the briefing packs.",
         "The checklist is completed in at least 80% of new rape reports, checked by the duty inspector.",
         ("Checklist drafted with response team leaders", "Checklist added to the mobile data app",
          "Briefing given on every response shift"),
         ("Response sergeants tested the draft on night shifts; wording simplified.",)),
       A("Set a 28-day target for interviewing named suspects",
         "Agree with the CPS and investigation teams a target for interviewing named suspects, and "
         "report performance against it every month.",
         "The median time from report to suspect interview is 28 days or less over the quarter.",
         ("Baseline time to suspect interview measured", "Target agreed at the RASSO board",
          "Monthly reporting in place"),
         ("Baseline is 47 days from report to interview; the longest waits are for voluntary "
          "interviews.",)),
       A("Review the use of pre-charge bail in RASSO cases",
         "Review pre-charge bail decisions in RASSO cases so that conditions protect victims while the "
         "investigation continues.",
         "Bail with conditions is considered and recorded in every case where the suspect is known to "
         "the victim.",
         ("Sample of 40 cases reviewed", "Guidance issued to custody and investigation teams")))),
    F("P1", "promising_practice", "low",
      "Early advice meetings with the CPS strengthen case building",
      "Where investigators in {force} held early advice meetings with a CPS RASSO prosecutor, the case "
      "file was more suspect-focused and reasonable lines of enquiry were agreed early. The practice "
      "was not consistent across teams.",
      (A("Offer an early advice meeting with the CPS in every RASSO case",
         "Agree a standing slot with the CPS Area RASSO unit so every investigation team can book early "
         "advice.",
         "Early advice is recorded in at least half of the RASSO cases referred to the CPS.",
         ("Joint protocol signed with the CPS Area", "Booking process live",
          "First six months reviewed jointly"),
         ("CPS Area agreed two early advice slots a week.",)),
       A("Share case-building lessons across teams",
         "Hold a monthly joint police and CPS review of finished cases, charged and not charged, and "
         "circulate the lessons.",
         "Twelve joint case reviews held in the year, with lessons sent to every RASSO team.",
         ("Terms of reference agreed", "First joint review held", "Lessons bulletin published")))),

    # P2 Identifying and disrupting repeat suspects
    F("P2", "cause_of_concern", "high",
      "Repeat suspects are not identified across separate reports",
      "Many suspects in the {force} sample had been reported before for sexual or domestic abuse "
      "offences, but nothing linked the reports. Investigators rarely searched for earlier reports "
      "against the suspect, and what was known about repeat suspects was not used to prioritise "
      "investigations.",
      (A("Check every named suspect in a new RASSO report for earlier reports",
         "Analysts search local systems and the Police National Database for every named suspect and "
         "flag earlier reports to the investigator within seven days.",
         "Every new report with a named suspect has a recorded repeat-suspect check within seven days.",
         ("Search process agreed with the intelligence bureau", "Flag added to the records system",
          "Weekly check running in all areas", "Three-month review of the flags raised"),
         ("Intelligence bureau can absorb the searches if they are batched weekly.",
          "First month: about one in five named suspects had an earlier report.")),
       A("Set up a multi-agency panel for the highest-risk repeat suspects",
         "Bring police, probation, health and the local authority together each month to agree a "
         "disruption plan for the highest-risk repeat suspects.",
         "The panel meets monthly and every suspect referred to it has a recorded disruption plan.",
         ("Information-sharing agreement signed", "First panel held", "Review after six panels"),
         ("Probation and health have named panel members; the local authority is still confirming.",)),
       A("Link RASSO and domestic abuse intelligence",
         "Make sure domestic abuse reports are searched when a RASSO suspect is assessed, and the other "
         "way round.",
         "Both searches are recorded in at least 90% of risk assessments in the quarterly audit.",
         ("Search guidance updated", "Risk assessment form changed", "Quarterly audit reported")))),
    F("P2", "recommendation", "medium",
      "Civil orders and other disruption tactics are seldom used",
      "Investigators in {force} rarely considered Sexual Risk Orders, Stalking Protection Orders or "
      "Domestic Abuse Protection Notices against suspects where a charge was not yet possible, and "
      "there was no central advice on disruption.",
      (A("Publish a disruption toolkit for RASSO investigators",
         "A short toolkit on civil orders and other disruption tactics, with worked examples and the "
         "legal services contact.",
         "Disruption options are recorded as considered in at least 75% of cases closed with no further "
         "action where the suspect is known.",
         ("Toolkit drafted with legal services", "Toolkit published on the intranet",
          "Briefings delivered to all RASSO teams"),
         ("Legal services reviewed the draft; two worked examples added.",)),
       A("Give legal services a named lead for RASSO civil orders",
         "Agree a named lawyer and a fast route for applications for Sexual Risk Orders and Stalking "
         "Protection Orders.",
         "Applications are made within ten working days of the investigator's request.",
         ("Named lead agreed", "Application template agreed with the magistrates' court")))),
    F("P2", "area_for_improvement", "medium",
      "What partners know about suspects does not reach the police",
      "Information held by partners in {force}, such as ISVA services, the sexual assault referral "
      "centre and university safeguarding teams, about people reported more than once was not "
      "reaching the police intelligence system.",
      (A("Agree a third-party intelligence route with partners",
         "Give partner organisations a simple, secure way to pass on information about suspects, "
         "anonymously where the victim wishes.",
         "Third-party intelligence is received from at least four partner organisations each quarter.",
         ("Route designed with partners", "Secure online form live", "Partners briefed"),
         ("Workshop with the ISVA service, the SARC and two universities; they want a short form.",)),
       A("Train intelligence researchers in RASSO suspect profiling",
         "Short course for researchers on building a profile of a RASSO suspect from every source.",
         "All intelligence researchers trained; profiles attached to high-risk cases within 14 days.",
         ("Course designed", "All researchers trained")))),

    # P3 Procedural justice and victim engagement
    F("P3", "cause_of_concern", "high",
      "Victims withdraw because they are not kept informed",
      "Victims who spoke to the deep dive team in {force} described long gaps without contact, officers "
      "changing without notice and not knowing what was happening in their case. Victim withdrawal was "
      "high and the reasons were rarely explored with the victim.",
      (A("Agree a contact plan with every victim at the start",
         "The officer in the case agrees with the victim how and how often they will be updated, "
         "records it on the case and keeps to it, in line with the Victims' Code.",
         "Contact plans are recorded in 90% of cases, and victim feedback shows most were updated as "
         "agreed.",
         ("Contact plan added to the case file", "Compliance added to the supervisory review",
          "Victim feedback results reviewed"),
         ("Contact plan fields live in the case file.",
          "Dip-sample: plans recorded in 72% of new cases; two teams lagging.")),
       A("Offer every victim an Independent Sexual Violence Adviser at first contact",
         "Make ISVA referral an opt-out offer at first contact, with the referral recorded.",
         "An ISVA referral is offered and recorded in at least 95% of new reports.",
         ("Referral process agreed with ISVA providers", "Referral made automatic in the records system",
          "Quarterly referral figures shared with providers"),
         ("ISVA providers agreed the referral form; capacity is tight in one area.",)),
       A("Explore every victim withdrawal before closing the case",
         "Before a case is closed because the victim withdraws, a supervisor makes sure the reasons are "
         "understood and options such as a pause or ISVA support are offered.",
         "Every withdrawal in the monthly sample has a recorded conversation about reasons and options.",
         ("Withdrawal guidance issued", "Supervisor checklist in place",
          "Three-month audit of withdrawals")))),
    F("P3", "recommendation", "medium",
      "Decisions are not explained to victims in plain words",
      "Letters telling victims in {force} that no further action would be taken were formal and did not "
      "explain the reasons or the Victims' Right to Review. Victims said they felt disbelieved.",
      (A("Rewrite the outcome letters with victims and ISVAs",
         "Rewrite every RASSO outcome letter in plain words with the victim-survivor panel and the ISVA "
         "service, including the Victims' Right to Review.",
         "New letters used for all RASSO outcomes, and the victim-survivor panel rates them clear.",
         ("Victim-survivor panel workshop held", "New letters approved", "Letters live in the records system"),
         ("Panel workshop held; strong feedback on tone and on explaining the right to review.",)),
       A("Explain decisions to take no further action face to face",
         "Officers offer a meeting, with the ISVA if the victim wishes, to explain a decision to take no "
         "further action before the letter is sent.",
         "A meeting is offered and recorded in at least 80% of no further action outcomes.",
         ("Guidance issued", "Recording added to the case file")))),
    F("P3", "promising_practice", "low",
      "A victim-survivor panel helps shape services",
      "{force} worked with a local support service to hear directly from victim-survivors about their "
      "experience of the investigation. Their insight was valued but had no regular route into "
      "decisions.",
      (A("Make the victim-survivor panel part of RASSO governance",
         "Give the panel a standing item at the RASSO board and a budget for its members' time.",
         "The panel's feedback is on every RASSO board agenda, with a recorded response.",
         ("Panel terms of reference agreed", "Panel feedback a standing item at the RASSO board")),
       A("Publish a 'you said, we did' summary each quarter",
         "Tell victim-survivors and partners what changed because of their feedback.",
         "Four quarterly summaries published on the force website.",
         ("First summary published", "Second summary published")))),

    # P4 Officer learning, development and wellbeing
    F("P4", "cause_of_concern", "high",
      "Investigators lack specialist knowledge of sexual offending",
      "Many RASSO investigators in {force} had no specialist training in sexual offending, the impact "
      "of trauma on victims' memory and behaviour, or the myths and stereotypes that can influence "
      "decisions. Some were not yet accredited detectives.",
      (A("Put every RASSO investigator through specialist sexual offences training",
         "Enrol all RASSO investigators on the national specialist learning programme, starting with "
         "those with least experience.",
         "At least 90% of RASSO investigators have completed the specialist programme.",
         ("Training needs analysis completed", "First cohort trained", "Second cohort trained",
          "All teams at 90% completion"),
         ("Training needs analysis done: 38 investigators need the full programme.",
          "First cohort finished; feedback very positive on the trauma and memory module.")),
       A("Build trauma-informed practice into interview training",
         "Redesign the victim interview course with the sexual assault referral centre and the ISVA "
         "service so it reflects how trauma affects memory and recall.",
         "Every new RASSO interviewer trained on the redesigned course.",
         ("Course redesigned with the SARC and ISVA service", "Trainers accredited", "Course running")),
       A("Run myth and stereotype awareness sessions for decision-makers",
         "Sessions for detective sergeants, inspectors and decision-makers on rape myths and how they "
         "affect decisions, run with the CPS.",
         "All RASSO sergeants and inspectors attended a session.",
         ("Session designed with the CPS", "All sergeants and inspectors attended")))),
    F("P4", "cause_of_concern", "high",
      "Heavy workloads and burnout harm investigations",
      "RASSO investigators in {force} carried caseloads well above what they could manage, worked long "
      "hours and described burnout and vicarious trauma. Sickness absence and turnover were high, and "
      "inexperienced officers were filling the gaps.",
      (A("Cap RASSO investigator caseloads",
         "Set a maximum caseload per investigator, monitored weekly, with work redistributed when the "
         "cap is reached.",
         "No investigator is above the agreed cap for more than two weeks in a row.",
         ("Caseload model agreed", "Weekly caseload report live", "Recruitment to close the gap approved"),
         ("Caseload model agreed with the Federation: a cap of 12 live investigations.",
          "Weekly report live; five investigators are still above the cap.")),
       A("Give RASSO teams regular psychological screening and support",
         "Mandatory annual psychological screening and trauma risk management for RASSO investigators, "
         "using the national police wellbeing service's resources.",
         "All RASSO investigators screened in the year; sickness absence falls against the 2022 "
         "baseline.",
         ("Screening provider commissioned", "First round of screening completed",
          "Wellbeing review at the RASSO board"),
         ("Provider commissioned through occupational health.",)),
       A("Recruit and keep specialist investigators",
         "Run a recruitment campaign for RASSO teams and offer development routes that keep "
         "experienced investigators.",
         "RASSO teams at full establishment by the end of the year, with turnover below 15%.",
         ("Recruitment campaign launched", "New investigators in post", "Retention offer agreed")))),
    F("P4", "area_for_improvement", "medium",
      "Learning and development is thin and not kept up",
      "Beyond initial courses there was little continuing professional development for RASSO "
      "investigators in {force}; lessons from case reviews, complaints and the Soteria research did not "
      "reach teams.",
      (A("Hold a monthly continuing professional development session for RASSO teams",
         "A protected hour a month for each team, on topics chosen from case reviews and the research.",
         "Ten sessions a year, each attended by at least 70% of the team.",
         ("Programme of topics agreed", "First six sessions held")),
       A("Set up a mentoring scheme for new RASSO investigators",
         "Pair every investigator new to RASSO with an experienced mentor for their first six months.",
         "Every new investigator has a named mentor within two weeks of joining.",
         ("Mentors recruited and briefed", "Scheme running", "Six-month review")))),

    # P5 Data-driven strategic analysis and performance
    F("P5", "cause_of_concern", "high",
      "There is no strategic analysis of recorded rape offences",
      "{force} had no strategic profile of recorded rape offences: who the victims and suspects were, "
      "where and how offences happened, and at which stage cases were lost. Decisions about resources "
      "and priorities were not based on analysis.",
      (A("Produce an annual RASSO strategic profile",
         "Commission a strategic profile of recorded rape and serious sexual offences covering victims, "
         "suspects, offence types and attrition.",
         "The profile is presented to the chief officer group and used to set next year's RASSO "
         "priorities.",
         ("Data extract agreed", "Draft profile reviewed by academic partners",
          "Profile presented to chief officers"),
         ("Data extract agreed with the data protection officer.",
          "Draft profile shows attrition is highest between report and suspect interview.")),
       A("Report RASSO performance monthly to the chief officer group",
         "A monthly performance pack: reports, referrals to the CPS, charges, timeliness, victim "
         "withdrawal and outcomes, set against the national scorecard.",
         "The pack is produced every month and the actions it raises are tracked to completion.",
         ("Measures agreed with the RASSO board", "Dashboard built", "First three monthly packs delivered"),
         ("Measures agreed; timeliness will use the national scorecard definitions.",)))),
    F("P5", "recommendation", "high",
      "There is no analytical capability to monitor performance",
      "Nobody in {force} was responsible for analysing RASSO performance, and investigators and "
      "managers could not see the figures for their own teams.",
      (A("Recruit a dedicated RASSO analyst",
         "A permanent analyst post in the RASSO command, working to the strategic profile and the "
         "monthly pack.",
         "Analyst in post with an agreed work plan.",
         ("Post approved", "Analyst in post", "Work plan agreed"),
         ("Post approved at the chief officer group; advert out.",)),
       A("Give team leaders a live view of their caseload and timeliness",
         "A self-service dashboard for sergeants and inspectors showing their team's live cases, "
         "time to interview and time to referral.",
         "Every RASSO team leader uses the dashboard at least weekly.",
         ("Requirements agreed with team leaders", "Dashboard live", "Usage reviewed after three months")),
       A("Audit the quality of RASSO outcome codes",
         "Check that outcome codes on closed cases are right, so the attrition analysis can be trusted.",
         "Fewer than 5% of closed cases have the wrong outcome code at re-audit.",
         ("Sample of 200 closed cases audited", "Recording guidance corrected", "Re-audit completed")))),
    F("P5", "area_for_improvement", "medium",
      "Data about victims is incomplete",
      "In {force} the victim's age, ethnicity, disability and relationship to the suspect were often not "
      "recorded, so the force could not tell whether some groups of victims were served worse than "
      "others.",
      (A("Make the key victim details mandatory on new RASSO reports",
         "Change the records system so a RASSO report cannot be finalised without the key victim "
         "details, with 'prefer not to say' allowed.",
         "Key victim details recorded in at least 95% of new RASSO reports.",
         ("Change request agreed", "Change live", "Completion checked after one month")),
       A("Report outcomes by victim group each quarter",
         "Break the quarterly outcomes down by victim age, ethnicity and disability and discuss any gaps "
         "at the RASSO board.",
         "Four quarterly reports produced, each with recorded actions on any gap found.",
         ("Report designed", "First quarterly report produced")))),

    # P6 Digital forensics
    F("P6", "cause_of_concern", "high",
      "Delays in digital forensics hold up investigations",
      "Devices in {force} waited months for examination, and investigators often waited for a full "
      "download before charging advice could be sought. The backlog in the digital forensics unit was "
      "not prioritised by risk.",
      (A("Triage RASSO devices within 48 hours of seizure",
         "Use digital triage kiosks in the investigation hubs and a risk-based priority for full "
         "examinations.",
         "90% of RASSO devices triaged within 48 hours, and the backlog of full examinations falls "
         "each quarter.",
         ("Kiosks installed in the investigation hubs", "Kiosk operators trained",
          "Prioritisation model agreed with the digital forensics unit", "Backlog reported quarterly"),
         ("Kiosks delivered; two of three hubs ready.",
          "Operators trained on both shifts in the first hub.")),
       A("Agree a service level between RASSO teams and the digital forensics unit",
         "Agree turnaround times by priority, with a named contact for each RASSO team.",
         "Service level met for at least 85% of RASSO submissions each month.",
         ("Service level agreed", "Monthly performance report live"),
         ("Digital forensics unit agreed to priorities; turnaround times still being negotiated.",)),
       A("Fund more digital forensics examiners",
         "Make the case for more examiners in the next budget, using the backlog figures.",
         "Two more examiners in post.",
         ("Business case submitted", "Funding agreed", "Examiners in post")))),
    F("P6", "recommendation", "high",
      "Victims lose their phones for too long and are downloaded in full",
      "Victims in {force} described handing over their phones for weeks or months, and full downloads "
      "were taken where a targeted extraction would have met the reasonable line of enquiry.",
      (A("Return victims' phones within 24 hours using selective extraction",
         "Buy and use tools that extract only the data relevant to the reasonable line of enquiry, so "
         "the phone can go back the same or next day.",
         "90% of victims' phones returned within 24 hours, reported monthly.",
         ("Selective extraction tools bought", "Process agreed with the CPS", "Return times reported monthly"),
         ("Tools bought through the regional framework.",)),
       A("Explain digital processing to every victim before consent",
         "Use the national digital processing notices, explained by the officer and the ISVA, so victims "
         "understand what will be taken and why.",
         "Notices used in every case where a victim's device is examined; victim feedback is positive.",
         ("Notices adopted", "Officers briefed", "Victim feedback reviewed")))),
    F("P6", "area_for_improvement", "medium",
      "The digital evidence strategy is set too late",
      "In {force} digital lines of enquiry about the suspect were often not planned at the start, so "
      "opportunities such as the suspect's phone and social media accounts were lost.",
      (A("Add a digital strategy to the first investigation plan",
         "The investigation plan template includes a digital strategy focused on the suspect, agreed "
         "with a digital media investigator.",
         "A digital strategy is on file in at least 85% of cases in the dip-sample.",
         ("Template section agreed", "Digital media investigators briefed", "Dip-sample reported")),
       A("Give every RASSO team access to a digital media investigator",
         "A named digital media investigator for each team, available for advice within one working day.",
         "Every RASSO team has a named digital media investigator.",
         ("Investigators identified", "Rota published")))),
)

# Actions that come from the National Operating Model self-assessment, not from a finding.
STANDALONE: tuple[tuple[str, ActionTemplate], ...] = (
    ("P5", A("Refresh the National Operating Model self-assessment",
             "Re-score the force against the National Operating Model self-assessment and add any new "
             "gaps to this plan.",
             "Self-assessment submitted to the national team and new gaps added to the plan.",
             ("Self-assessment workshop held", "Scores agreed by the chief officer lead",
              "Submitted to the national team"))),
    ("P4", A("Appoint a chief officer lead for RASSO wellbeing",
             "A named chief officer responsible for the wellbeing of RASSO investigators, reporting to "
             "the RASSO board.",
             "Lead appointed and wellbeing a standing item at the RASSO board.",
             ("Lead agreed by the chief constable", "Wellbeing added to the board's terms of reference"))),
)

EARLY = (
    "Kick-off meeting held with the working group; terms of reference agreed.",
    "Pulled together current practice and the deep dive evidence to set a baseline.",
    "Met the CPS area RASSO lead to agree how we will measure success.",
    "Scoping done: named leads in each investigation hub.",
)
MIDDLE = (  # in the order they would happen
    "Draft shared with the working group; comments due by the end of the month.",
    "Talked it through with the Federation and staff association representatives; no objections.",
    "Costs agreed with finance; funding confirmed at the chief officer group.",
    "Trying it out with one team first; early feedback is positive.",
    "Rolling out to the other teams, using the lessons from the first.",
    "Update given to the RASSO board; no concerns raised.",
)
LATE = (
    "Dip-sample of 20 cases shows the new approach in most investigations; a few gaps remain in one team.",
    "All teams briefed. Checking the results against the success measure.",
    "Results are in and meet the success measure; writing up for sign-off.",
)
SLIPPING = (
    "Behind plan: two members of the working group are on long-term sick leave. Asked for cover.",
    "Slipping: the IT change is waiting for the next release window. Chasing weekly.",
    "Behind plan: the supplier has not confirmed dates. Escalated to the head of crime.",
    "Slipping because the teams are stretched by a rise in reports; will catch up next month.",
)
NOT_STARTED = (
    "Not started yet: this follows on from the training actions. Scoping booked for next month.",
    "Holding until the new financial year's budget is confirmed.",
)
START_NOTES = ("Starting with a baseline of current practice.", "Working group set up.", "")
REQUEST_NOTES = (
    "All milestones done and the success measure met: the figures are in the last update.",
    "Done. Results summarised in the last update.",
)
SIGN_OFF_NOTES = (
    "Checked against the success measure: the dip-sample results meet the target. Signed off.",
    "Evidence reviewed with the RASSO lead; success measure met.",
)
REPLAN_REASONS = (
    "Moved to line up with the force's new operating model going live in the new financial year.",
    "The training provider cannot run the course until next quarter.",
    "IT change freeze during the records system upgrade.",
    "Waiting for the national guidance so the work is not done twice.",
)
BLOCK_REASONS = (
    "Waiting for the regional procurement: the contract award is paused until the budget is agreed.",
    "Cannot go ahead until the local authority signs the information-sharing agreement.",
    "The records system supplier cannot make the change until the upgrade is finished.",
)
BLOCK_ESCALATIONS = (
    "Escalated to the chief officer lead, who is raising it at the regional board.",
    "Raised at the RASSO board; the deputy chief constable is writing to the partner.",
)
CLOSE_REASONS = (
    "Not needed: the national learning programme now covers this, so a local version would duplicate it.",
    "Merged into another action in this plan, which covers the same work.",
)
NUDGES = (
    "Programme manager: please bring a recovery plan and a realistic date to the next RASSO board.",
    "Programme manager: discussed at the one-to-one; new dates to follow this week.",
)
DECLARED = {
    "overdue": "Recovery plan agreed at the RASSO board; the remaining work is small.",
    "on_track": "Depends on recruitment that has not yet been approved.",
}

# How each force's actions are spread across the ways an action's life can go: every force
# has the core set; the rest of its actions follow the force's profile, so forces differ
# (one further ahead, one slipping) and the national comparisons have something to show.
CORE_SCENARIOS = (
    "blocked", "closed", "complete", "complete", "awaiting", "overdue", "overdue", "due_soon", "due_soon",
    "replanned", "stale", "not_started",
)
PROFILES: dict[str, dict[str, int]] = {
    "avon-and-somerset": {"complete": 5, "awaiting": 2, "on_track": 2, "due_soon": 1, "overdue": 1},
    "metropolitan-police-service": {"overdue": 4, "replanned": 2, "on_track": 2, "complete": 1, "due_soon": 1},
    "durham": {"complete": 3, "on_track": 3, "due_soon": 2, "overdue": 1, "awaiting": 1},
    "west-midlands": {"complete": 2, "on_track": 3, "overdue": 2, "replanned": 2, "awaiting": 1},
    "south-wales": {"complete": 4, "awaiting": 2, "due_soon": 2, "on_track": 1, "stale": 1},
}


# --- playing a plan out over time -------------------------------------------------------

@dataclass
class _Step:
    day: int  # days from today (negative: in the past)
    kind: str
    payload: object = None


# Same-day steps of one action happen in this order.
_ORDER = {"create": 0, "start": 1, "replan": 2, "milestone": 3, "update": 4, "pm_update": 5,
          "declare": 6, "request": 7, "block": 8, "sign_off": 9, "close": 10}


@dataclass
class _Script:
    start: int
    due: int  # the due date the action is created with
    milestone_dues: list[int]
    steps: list[_Step] = field(default_factory=list)


def _even(start: int, due: int, count: int) -> list[int]:
    return [start + round((due - start) * (i + 1) / count) for i in range(count)]


def _days(rng: random.Random, first: int, last: int, count: int) -> list[int]:
    """Up to count distinct days in [first, last], in order."""
    if last < first or count <= 0:
        return []
    return sorted(rng.sample(range(first, last + 1), min(count, last - first + 1)))


def _script(rng: random.Random, scenario: str, created: int, template: ActionTemplate) -> _Script:
    """Decide when each thing happens to one action (days relative to today)."""
    count = len(template.milestones)
    notes = list(template.notes)
    generic = [MIDDLE[i] for i in sorted(rng.sample(range(len(MIDDLE)), 3))]

    def texts(number: int, last: tuple[str, ...] | None = None) -> list[str]:
        chosen = [*notes[:1]] or [rng.choice(EARLY)]
        chosen += notes[1:] + generic
        chosen = chosen[:number]
        if last and chosen:
            chosen[-1] = rng.choice(last)
        return chosen

    if scenario == "not_started":
        start = rng.randint(7, 45)
        due = start + rng.randint(90, 180)
        script = _Script(start, due, _even(start, due, count))
        script.steps.append(_Step(rng.randint(-40, -2), "update", rng.choice(NOT_STARTED)))
        return script

    if scenario == "on_track":
        start = rng.randint(created + 30, -90)
        due = rng.randint(60, 200)
    elif scenario in ("complete", "awaiting", "closed"):
        start = rng.randint(created + 7, created + 45)
        due = 0  # set below
    else:
        start = rng.randint(created + 7, created + 60)
        due = 0

    replans: list[tuple[int, int]] = []  # (day, new due)
    final_steps: list[_Step] = []
    done_limit: int  # milestones due before this are done, and by this day at the latest
    update_count = rng.randint(2, 4)
    last_texts: tuple[str, ...] | None = None
    keep_last_open = False

    if scenario == "complete":
        done = -rng.randint(10, 150)
        final = done + rng.randint(-5, 45)
        request = done - rng.randint(2, 10)
        due = final
        if rng.random() < 0.3:
            due = final - rng.randint(20, 60)
            if due > start + 40:
                replans.append((rng.randint(start + 10, min(due, request - 3)), final))
            else:
                due = final
        done_limit = request
        last_day = request - 1
        last_texts = LATE
        final_steps += [_Step(request, "request", rng.choice(REQUEST_NOTES)),
                        _Step(done, "sign_off", rng.choice(SIGN_OFF_NOTES))]
    elif scenario == "awaiting":
        request = -rng.randint(1, 12)
        final = due = rng.randint(-5, 40)
        done_limit = request
        last_day = request - 1
        last_texts = LATE
        final_steps.append(_Step(request, "request", rng.choice(REQUEST_NOTES)))
    elif scenario == "overdue":
        final = due = -rng.randint(3, 60)
        last_day = -rng.randint(3, 20)
        done_limit = last_day
        keep_last_open = True
        last_texts = SLIPPING
        if rng.random() < 0.5:
            final_steps.append(_Step(min(last_day + rng.randint(1, 3), -1), "pm_update", rng.choice(NUDGES)))
        if rng.random() < 0.4:
            final_steps.append(_Step(-1, "declare", ("amber", DECLARED["overdue"])))
    elif scenario == "due_soon":
        final = due = rng.randint(3, 30)
        last_day = -rng.randint(1, 12)
        done_limit = last_day
    elif scenario == "stale":
        final = due = rng.randint(4, 13)
        last_day = -rng.randint(35, 70)
        done_limit = last_day
    elif scenario == "on_track":
        final = due
        last_day = -rng.randint(1, 25)
        done_limit = last_day
        if rng.random() < 0.3:
            final_steps.append(_Step(-1, "declare", ("amber", DECLARED["on_track"])))
    elif scenario == "replanned":
        final = rng.randint(45, 150)
        due = rng.randint(-30, 10)
        first_move = min(due, -1) - rng.randint(10, 40)
        if rng.random() < 0.35:
            middle = due + rng.randint(15, 30)
            second_move = min(middle, -1) - rng.randint(0, 5)
            replans += [(first_move, middle), (max(second_move, first_move + 1), final)]
        else:
            replans.append((first_move + rng.randint(5, 10), final))
        last_day = -rng.randint(1, 20)
        done_limit = last_day
    elif scenario == "blocked":
        final = due = rng.randint(10, 90)
        block = -rng.randint(10, 45)
        last_day = block - 1
        done_limit = block
        final_steps.append(_Step(block, "block", rng.choice(BLOCK_REASONS)))
        if rng.random() < 0.7:
            final_steps.append(_Step(block + rng.randint(2, 8), "pm_update", rng.choice(BLOCK_ESCALATIONS)))
    elif scenario == "closed":
        close = -rng.randint(20, 120)
        final = due = close + rng.randint(20, 120)
        done_limit = close
        last_day = close - 1
        final_steps.append(_Step(close, "close", rng.choice(CLOSE_REASONS)))
        if rng.random() < 0.5:  # closed before it ever started
            script = _Script(start, due, _even(start, final, count))
            script.steps += final_steps
            return script
    else:
        raise ValueError(scenario)

    script = _Script(start, due, _even(start, final, count))
    script.steps.append(_Step(start, "start", rng.choice(START_NOTES)))
    for day, new_due in replans:
        script.steps.append(_Step(day, "replan", (new_due, rng.choice(REPLAN_REASONS))))

    # Milestones due before the limit are done around their due date (never after the limit).
    previous = start + 1
    for index, milestone_due in enumerate(script.milestone_dues):
        last_one = index == count - 1
        if milestone_due >= done_limit and scenario not in ("complete", "awaiting"):
            break
        if keep_last_open and last_one:
            break
        day = min(max(milestone_due + rng.randint(-10, 2), previous), done_limit - 1, -1)
        previous = day
        script.steps.append(_Step(day, "milestone", index))
        if rng.random() < 0.4:
            script.steps.append(_Step(day, "update", f"Milestone done: {template.milestones[index]}."))

    # The newest update is on the last day of activity: recent for live actions, old for stale ones.
    update_days = [*_days(rng, start + 3, last_day - 1, update_count - 1), last_day]
    for day, text in zip(update_days, texts(len(update_days), last_texts), strict=False):
        script.steps.append(_Step(day, "update", text))
    script.steps += final_steps
    return script


# --- the builder ------------------------------------------------------------------------

@dataclass
class SeedResult:
    created: bool
    accounts: list[DemoAccount]
    password: str
    counts: dict[str, int]


class _Builder:
    def __init__(self, session: Session, today: date):
        self.session = session
        self.today = today
        self.rng = random.Random(SEED)  # nosec B311  # seeded demo data, not a secret
        self.password_hash: str | None = None
        self.events: list[tuple[datetime, int, Callable[[datetime], None]]] = []
        self.sequence = 0
        self.current = datetime.now(UTC).replace(tzinfo=None)
        self.now = datetime.now(UTC).replace(tzinfo=None)

    # Time ------------------------------------------------------------------------------
    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def moment(self, offset: int, minutes: int) -> datetime:
        """A time in office hours, London time, stored as naive UTC like every timestamp (never later than now)."""
        local = datetime.combine(self.day(offset), time(9, 0), tzinfo=clock.LONDON) + timedelta(minutes=minutes)
        return min(local.astimezone(UTC).replace(tzinfo=None), self.now)

    def schedule(self, when: datetime, work: Callable[[datetime], None]) -> None:
        self.sequence += 1
        self.events.append((when, self.sequence, work))

    def run(self) -> None:
        for when, _, work in sorted(self.events, key=lambda event: (event[0], event[1])):
            self.current = when
            work(when)
            self.stamp(when)

    def stamp(self, when: datetime, fix: Callable[[AuditEvent], None] | None = None) -> None:
        """Give the audit events the step just wrote, still unsaved, the step's simulated time."""
        for event in [obj for obj in self.session.new if isinstance(obj, AuditEvent) and obj.at is None]:
            event.at = when
            if fix is not None:
                fix(event)

    def _before_flush(self, session: Session, *_) -> None:
        """A service that saves its own audit event mid-step gets the step's time too."""
        for obj in session.new:
            if isinstance(obj, AuditEvent) and obj.at is None:
                obj.at = self.current

    # Building --------------------------------------------------------------------------
    def build(self) -> None:
        target = self.session() if isinstance(self.session, scoped_session) else self.session
        sa_event.listen(target, "before_flush", self._before_flush)
        try:
            self._build()
            self.session.flush()
        finally:
            sa_event.remove(target, "before_flush", self._before_flush)

    def _build(self) -> None:
        session = self.session
        pillars = {p.code: p for p in session.scalars(select(Pillar))}
        forces = {f.code: f for f in session.scalars(select(Force).where(Force.code.in_(PATHFINDERS)))}
        missing = [code for code in PATHFINDERS if code not in forces]
        if missing or len(pillars) < 6:
            raise ValueError(f"Reference data is missing ({', '.join(missing) or 'pillars'}): run the migrations")

        people: dict[str, User] = {}
        admin_at = self.moment(-365, 30)
        people[ADMIN.email] = self._user(ADMIN, None, admin_at)
        for offset, account in enumerate(accounts()[1:], start=1):
            people[account.email] = self._user(account, people[ADMIN.email], admin_at + timedelta(minutes=offset))

        for index, code in enumerate(PATHFINDERS):
            manager = people[f"pm.{code}@demo.police.uk"]
            owners = [people[f"owner{n}.{code}@demo.police.uk"] for n in range(1, len(TEAMS[code][1]) + 1)]
            self._force(forces[code], pillars, manager, owners, -335 + 5 * index)
        self.run()

    def _user(self, account: DemoAccount, actor: User | None, when: datetime) -> User:
        self.current = when
        if self.password_hash is None:
            # Every demo account shares one published password: hash it once, not twenty times.
            self.password_hash = users.hash_password(DEMO_PASSWORD)
        user = users.create_user(self.session, email=account.email, name=account.name, role=account.role,
                                 force_code=account.force_code, password=DEMO_PASSWORD, actor=actor,
                                 password_hash=self.password_hash)
        user.created_at = when
        self.stamp(when)
        return user

    def _force(self, force: Force, pillars: dict[str, Pillar], manager: User, owners: list[User],
               recorded: int) -> None:
        rng = self.rng
        # One finding for each pillar, two for two of them; two or three actions for each finding.
        chosen: list[FindingTemplate] = []
        doubled = set(rng.sample(sorted(pillars), 2))
        for code in sorted(pillars):
            options = [f for f in FINDINGS if f.pillar == code]
            chosen += sorted(rng.sample(options, 2 if code in doubled else 1), key=FINDINGS.index)
        plan: list[tuple[FindingTemplate | None, ActionTemplate, str]] = []
        for template in chosen:
            picked = sorted(rng.sample(range(len(template.actions)), rng.randint(2, len(template.actions))))
            plan += [(template, template.actions[i], template.pillar) for i in picked]
        pillar_code, standalone = rng.choice(STANDALONE)
        plan.append((None, standalone, pillar_code))

        extras = [scenario for scenario, weight in PROFILES[force.code].items() for _ in range(weight)]
        rng.shuffle(extras)
        scenarios = list(CORE_SCENARIOS) + (extras * 3)[: len(plan) - len(CORE_SCENARIOS)]
        rng.shuffle(scenarios)

        state: dict = {"findings": {}}
        when = self.moment(recorded, rng.randint(0, 420))

        def record_deep_dive(at: datetime) -> None:
            deep_dive = plans.save_deep_dive(self.session, force, plans.DeepDiveFields(
                title=DEEP_DIVE_TITLE, period=DEEP_DIVE_PERIOD, lead=DEEP_DIVE_LEAD,
                summary=DEEP_DIVE_SUMMARY.format(force=force.name)), actor=manager)
            deep_dive.created_at = deep_dive.updated_at = at
            state["deep_dive"] = deep_dive

        self.schedule(when, record_deep_dive)
        for number, template in enumerate(chosen):
            at = self.moment(recorded + 1 + number // 3, rng.randint(0, 420))
            self.schedule(at, self._finding_step(force, pillars[template.pillar], template, manager, state))

        areas = OWNER_AREAS[len(owners)]
        for (finding, template, code), scenario in zip(plan, scenarios, strict=True):
            owner = owners[areas[code]] if rng.random() < 0.8 else rng.choice(owners)
            created = recorded + rng.randint(7, 30)
            priority = finding.priority if finding else "medium"
            if rng.random() < 0.2:
                priority = {"high": "medium", "medium": "low", "low": "low"}[priority]
            script = _script(rng, scenario, created, template)
            self._action(force, pillars[code], finding, template, priority, owner, manager, created, script,
                         state)

    def _finding_step(self, force: Force, pillar: Pillar, template: FindingTemplate, manager: User,
                      state: dict) -> Callable[[datetime], None]:
        def work(at: datetime) -> None:
            reference = plans.suggest_reference(self.session, force, pillar)
            finding = plans.save_finding(self.session, state["deep_dive"], plans.FindingFields(
                pillar_id=pillar.id, reference=reference, type=template.type, title=template.title,
                detail=template.detail.format(force=force.name), priority=template.priority), actor=manager)
            finding.created_at = finding.updated_at = at
            state["findings"][template] = finding
        return work

    def _action(self, force: Force, pillar: Pillar, finding_template: FindingTemplate | None,
                template: ActionTemplate, priority: str, owner: User, manager: User, created: int,
                script: _Script, state: dict) -> None:
        rng = self.rng
        session = self.session
        holder: dict = {}

        def create(at: datetime) -> None:
            finding = state["findings"][finding_template] if finding_template else None
            if finding is not None:
                reference = f"{finding.reference}-{chr(ord('A') + len(taken_references(finding)))}"
            else:
                reference = plans.suggest_reference(session, force, pillar).rsplit("-", 1)[0] + "-SA-01"
            action = plans.create_action(session, force, plans.ActionFields(
                reference=reference, title=template.title, pillar_id=pillar.id, owner_id=owner.id,
                priority=priority, description=template.description,
                success_measure=template.success_measure, start_date=self.day(script.start)),
                due_date=self.day(script.due), actor=manager, finding=finding)
            action.created_at = action.updated_at = action.last_update_at = action.assigned_at = at
            holder["action"] = action
            holder["milestones"] = []
            for title, due in zip(template.milestones, script.milestone_dues, strict=True):
                milestone = milestones.add(session, action, title, self.day(due), actor=manager)
                milestone.created_at = at
                holder["milestones"].append(milestone)

        def taken_references(finding: Finding) -> list[str]:
            return list(session.scalars(select(Action.reference).where(Action.finding_id == finding.id)))

        def touched(action: Action, at: datetime, update: ProgressUpdate | None = None) -> None:
            action.updated_at = at
            if update is not None:
                update.created_at = at
                action.last_update_at = at

        def step_work(step: _Step) -> Callable[[datetime], None]:
            def work(at: datetime) -> None:
                action: Action = holder["action"]
                kind, payload = step.kind, step.payload
                if kind in ("start", "request", "block"):
                    slug = {"start": "start", "request": "request-sign-off", "block": "block"}[kind]
                    touched(action, at, status.apply(session, action, slug, str(payload), actor=owner))
                elif kind in ("sign_off", "close"):
                    slug = "sign-off" if kind == "sign_off" else "close"
                    touched(action, at, status.apply(
                        session, action, slug, str(payload), actor=manager,
                        no_evidence_reason=DEMO_NO_EVIDENCE_REASON if kind == "sign_off" else None))
                    if kind == "sign_off":
                        action.completed_date = self.day(step.day)
                elif kind in ("update", "pm_update"):
                    author = owner if kind == "update" else manager
                    touched(action, at, status.add_progress_update(session, action, str(payload), actor=author))
                elif kind == "replan":
                    new_due, reason = payload
                    plans.change_due_date(session, action, self.day(new_due), reason, actor=manager)
                    session.flush()
                    change = session.scalar(select(DueDateChange).where(DueDateChange.action_id == action.id)
                                            .order_by(DueDateChange.id.desc()).limit(1))
                    change.changed_at = at
                    touched(action, at)
                elif kind == "declare":
                    rag, reason = payload
                    plans.declare_rag(session, action, rag, reason, actor=manager)
                    action.declared_rag_at = at
                    touched(action, at)
                elif kind == "milestone":
                    milestone: Milestone = holder["milestones"][payload]
                    milestones.set_complete(session, milestone, True, actor=owner)
                    completed = self.day(step.day)
                    milestone.completed_date = completed

                    def fix(event: AuditEvent) -> None:
                        if event.event == "milestone.completed":
                            event.changes = {"completed_date": [None, completed.isoformat()]}

                    self.stamp(at, fix)
            return work

        created_at = self.moment(created, rng.randint(0, 420))
        self.schedule(created_at, create)
        steps = sorted(script.steps, key=lambda s: (s.day, _ORDER[s.kind]))
        previous = created_at
        for step in steps:
            step.day = min(step.day, -1)
            at = max(self.moment(step.day, rng.randint(0, 480)), previous + timedelta(minutes=rng.randint(5, 40)))
            at = min(at, self.now)
            previous = at
            self.schedule(at, step_work(step))


def demo_present(session: Session) -> bool:
    emails = [account.email for account in accounts()]
    return session.scalar(select(User.id).where(func.lower(User.email).in_(emails)).limit(1)) is not None


def _counts(session: Session) -> dict[str, int]:
    codes = list(PATHFINDERS)
    force_ids = select(Force.id).where(Force.code.in_(codes))

    def count(model, column) -> int:
        return session.scalar(select(func.count()).select_from(model).where(column.in_(force_ids))) or 0

    return {
        "forces": session.scalar(select(func.count(func.distinct(DeepDive.force_id)))
                                 .where(DeepDive.force_id.in_(force_ids))) or 0,
        "users": session.scalar(select(func.count()).select_from(User).where(
            func.lower(User.email).in_([a.email for a in accounts()]))) or 0,
        "deep_dives": count(DeepDive, DeepDive.force_id),
        "findings": count(Finding, Finding.force_id),
        "actions": count(Action, Action.force_id),
        "milestones": session.scalar(select(func.count()).select_from(Milestone).join(Action).where(
            Action.force_id.in_(force_ids))) or 0,
        "progress_updates": session.scalar(select(func.count()).select_from(ProgressUpdate).join(Action).where(
            Action.force_id.in_(force_ids))) or 0,
        "due_date_changes": session.scalar(select(func.count()).select_from(DueDateChange).join(Action).where(
            Action.force_id.in_(force_ids))) or 0,
    }


def seed(session: Session, *, today: date | None = None) -> SeedResult:
    """Load the demo plans unless a demo account already exists. The caller commits."""
    if demo_present(session):
        return SeedResult(False, accounts(), DEMO_PASSWORD, _counts(session))
    _Builder(session, today or clock.today()).build()
    session.flush()
    return SeedResult(True, accounts(), DEMO_PASSWORD, _counts(session))
