"""Fire drills (issue 17): replay a famous outage, sped up, through the real monitor.

Nobody should meet the playbook for the first time during a real outage. This package holds
what a drill needs and nothing of Qt: ``scenario`` (the documented scenario files in
resources/drills/ and their loader), ``clock`` (scenario time, ``speed`` times faster than
real time) and the player (loopback DNS, web and status servers that answer as the scenario
says at each scenario moment), so the real monitor, judge, alerts and outbox can be rehearsed.
"""
