"""Channel Gateway for Python: the App Engine Channel API's server side, as a drop-in.

``from channel_gateway import channel`` gives GAE's ``create_channel`` and ``send_message``;
:class:`Client` gives everything the gateway answers (send statuses, batches, presence).
"""
__version__ = '0.1.0'

from .client import (  # noqa: E402  (__version__ first: the transport reads it)
    MAXIMUM_BATCH_SIZE,
    ChannelInfo,
    Client,
    Message,
    NewChannel,
    SendResult,
    looks_like_token,
)
from .defaults import configure, reset  # noqa: E402
from .defaults import client as default_client  # noqa: E402
from .errors import (  # noqa: E402
    ConfigurationError,
    Error,
    GatewayError,
    GatewayUnavailableError,
    InvalidChannelClientIdError,
    InvalidChannelTokenDurationError,
    InvalidMessageError,
    InvalidPresenceError,
    InvalidTokenError,
)
from .presence import ChannelPresence, parse_presence, verify_webhook_signature  # noqa: E402
from .settings import Settings  # noqa: E402

__all__ = [
    '__version__', 'configure', 'reset', 'default_client', 'Client', 'Settings', 'NewChannel', 'SendResult',
    'Message', 'ChannelInfo', 'ChannelPresence', 'MAXIMUM_BATCH_SIZE', 'looks_like_token', 'parse_presence',
    'verify_webhook_signature', 'Error', 'ConfigurationError', 'GatewayError', 'GatewayUnavailableError',
    'InvalidChannelClientIdError', 'InvalidChannelTokenDurationError', 'InvalidMessageError',
    'InvalidPresenceError', 'InvalidTokenError',
]
