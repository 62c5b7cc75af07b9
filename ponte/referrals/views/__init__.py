"""Pages of referrals: the inbox, one referral, sending, triage, notifications.

Gate 1 is `Referral.objects.visible_to` (404 for outsiders, and for a partner once the referral
closes or the person's consent ends); gate 2 is the capability checked in the services (403).
"""
