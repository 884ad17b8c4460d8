from django.conf import settings


def notice(request):
    return {"MEDICAL_NOTICE_VERSION": settings.MEDICAL_NOTICE_VERSION}
