"""Korean: the half of the day comes before the hour ("오후 4:00"), as Korean is written;
Django's own Korean format puts it after. Everything not set here is Django's."""

DATETIME_FORMAT = "Y년 n월 j일 A g:i"
