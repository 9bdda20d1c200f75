"""Sealing, keys and receipts for Compact Watch (infrastructure: no Flask, no database).

Services receive the collaborators built from config (`Argon2Limiter`, `PersonalKeys`,
`ReceiptKeys`, `ServerKey`) as arguments and call the functions below; see DESIGN §6.
"""

from portal.crypto.data_key import (
    DataKey,
    open_data_key,
    reseal_data_key,
    seal_data_key,
    sealed_key_id,
)
from portal.crypto.desk import (
    DeskKey,
    NewDeskKey,
    create_desk_key,
    desk_key_id,
    generate_desk_key,
    unwrap_desk_key,
    wrap_desk_key,
    wrapped_desk_key_id,
)
from portal.crypto.errors import (
    CryptoError,
    KdfBusy,
    KeyFileError,
    MalformedInput,
    MalformedKey,
    MalformedReceipt,
    MalformedRecoveryKey,
    SealingError,
    SessionUnlockFailed,
    TamperedCiphertext,
    UnsupportedFormat,
    WrongKey,
    WrongPassword,
    WrongReceipt,
    WrongRecoveryKey,
    WrongSecret,
)
from portal.crypto.fingerprint import canonical_text, keyed_hash
from portal.crypto.kdf import Argon2Limiter, KdfParams
from portal.crypto.keys import KeyId, PrivateKey, PublicKey
from portal.crypto.personal import (
    NewPersonalKey,
    PersonalKeys,
    issue_recovery_key,
    unlock_with_recovery_key,
    wrap_with_recovery_key,
)
from portal.crypto.receipt import ReceiptCode, ReceiptKeys, ReceiptScheme, ReceiptSecrets
from portal.crypto.recovery import RecoveryKey
from portal.crypto.report import Part, SealedReport, open_part, seal_part, seal_report
from portal.crypto.server_key import ServerKey, load_or_create_secret, load_or_create_server_key
from portal.crypto.session import SessionVault

__all__ = [
    "Argon2Limiter",
    "CryptoError",
    "DataKey",
    "DeskKey",
    "KdfBusy",
    "KdfParams",
    "KeyFileError",
    "KeyId",
    "MalformedInput",
    "MalformedKey",
    "MalformedReceipt",
    "MalformedRecoveryKey",
    "NewDeskKey",
    "NewPersonalKey",
    "Part",
    "PersonalKeys",
    "PrivateKey",
    "PublicKey",
    "ReceiptCode",
    "ReceiptKeys",
    "ReceiptScheme",
    "ReceiptSecrets",
    "RecoveryKey",
    "SealedReport",
    "SealingError",
    "ServerKey",
    "SessionUnlockFailed",
    "SessionVault",
    "TamperedCiphertext",
    "UnsupportedFormat",
    "WrongKey",
    "WrongPassword",
    "WrongReceipt",
    "WrongRecoveryKey",
    "WrongSecret",
    "canonical_text",
    "create_desk_key",
    "desk_key_id",
    "generate_desk_key",
    "issue_recovery_key",
    "keyed_hash",
    "load_or_create_secret",
    "load_or_create_server_key",
    "open_data_key",
    "open_part",
    "reseal_data_key",
    "seal_data_key",
    "seal_part",
    "seal_report",
    "sealed_key_id",
    "unlock_with_recovery_key",
    "unwrap_desk_key",
    "wrap_desk_key",
    "wrap_with_recovery_key",
    "wrapped_desk_key_id",
]
