from __future__ import annotations

from django.urls import reverse


def test_home_for_each_role(world, client_for):
    for key, user in world.users.items():
        response = client_for(user).get(reverse("home"))
        assert response.status_code == 200, key
        assert user.display_name in response.content.decode()
