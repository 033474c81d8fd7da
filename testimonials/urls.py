from django.urls import path

from testimonials import views

app_name = "testimonials"

urlpatterns = [
    path("testimonials/", views.testimonial_list, name="list"),
    path("testimonials/new/", views.testimonial_new, name="new"),
    path("testimonials/<uuid:pk>/", views.testimonial_detail, name="detail"),
    path("testimonials/<uuid:pk>/publishable/", views.testimonial_publishable, name="mark_publishable"),
    path("testimonials/<uuid:pk>/removed/", views.testimonial_removed, name="mark_removed"),
]
