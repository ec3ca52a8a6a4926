"""What the pathfinder plans say: the deep dive, its findings by pillar and the actions answering them.

Each force's plan picks from these (``pathfinders``), so the five plans read alike but differ.
"""

from __future__ import annotations

from dataclasses import dataclass

DEEP_DIVE_TITLE = "Operation Soteria Bluestone deep dive"
DEEP_DIVE_PERIOD = "January 2021 to August 2022"
DEEP_DIVE_LEAD = "Operation Soteria Bluestone academic team"
DEEP_DIVE_SUMMARY = (
    "Academic teams reviewed case files, observed investigative practice and held focus groups "
    "with investigators, victims and support services in {force}. Findings are grouped by the six "
    "pillars of the National Operating Model; this plan sets out the force's response to each."
)


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
