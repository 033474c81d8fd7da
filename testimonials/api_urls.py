"""The testimonials API, included under /api/v1/ by confidentiality/urls.py."""

from django.urls import path

from testimonials import api

urlpatterns = [
    path("testimonials/", api.TestimonialList.as_view(), name="api_testimonials"),
    path("testimonials/<uuid:pk>/", api.TestimonialDetail.as_view(), name="api_testimonial"),
    path(
        "testimonials/<uuid:pk>/publishable/", api.TestimonialPublishable.as_view(), name="api_testimonial_publishable"
    ),
    path("testimonials/<uuid:pk>/removed/", api.TestimonialRemoved.as_view(), name="api_testimonial_removed"),
]
