from channels.generic.websocket import AsyncJsonWebsocketConsumer


class DeskConsumer(AsyncJsonWebsocketConsumer):
    pass
