from django.utils.deprecation import MiddlewareMixin


class ChineseByDefaultMiddleware(MiddlewareMixin):
    """Serve Simplified Chinese unless the user picked another language with the switcher.

    Django's LocaleMiddleware would otherwise follow the browser's Accept-Language; the offices' browsers
    are often installed in English, but the working language is Chinese. The choice made with the language
    switcher (the django_language cookie) still wins. Must come before LocaleMiddleware.
    """

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
