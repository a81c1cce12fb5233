import Hummingbird
import AsyncHTTPClient
import Crypto
