import pytest
from fastapi.testclient import TestClient

from app.main import app, create_app
from app.settings import Settings


@pytest.fixture(scope="session")
def client():
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def client_with():
    """client_with(upload_max_bytes=1000): a client of an app built with those settings."""
    clients = []

    def make(**settings) -> TestClient:
        test_client = TestClient(create_app(Settings(**settings)))
        clients.append(test_client.__enter__())
        return test_client

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)
