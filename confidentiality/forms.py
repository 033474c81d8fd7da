from django import forms


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=80, label="Token name", help_text="What will use it, e.g. 'reporting script'.")
