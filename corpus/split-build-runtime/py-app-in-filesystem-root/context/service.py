from api import VERSION
