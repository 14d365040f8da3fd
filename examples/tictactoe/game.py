"""The game, as in the Channel API overview's Tic-Tac-Toe: state on the server, every change pushed.

Each player's page holds a channel whose client ID is the player's user ID plus the game key. After a
move (or a player joining, connecting or leaving) the server sends the whole state to both players with
``channel.send_message``; the pages only draw what they receive.
"""
import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from channel_gateway import channel

EMPTY_BOARD = ' ' * 9

# Rows, columns and diagonals, as board positions 0..8 (left to right, top to bottom).
LINES = ((0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6))


@dataclass
class Game:
    """One game. ``user_x`` created it; ``user_o`` is whoever opened its link next."""

    key: str
    user_x: str
    user_o: Optional[str] = None
    board: str = EMPTY_BOARD
    move_x: bool = True
    winner: Optional[str] = None
    winning_line: Optional[Tuple[int, ...]] = None
    # Fed by the presence webhooks (/_ah/channel/connected/ and /disconnected/).
    online: Dict[str, bool] = field(default_factory=dict)

    def client_id(self, user: str) -> str:
        """The channel client ID of one player, as the GAE sample built it: user ID + game key."""
        return user + self.key

    def players(self) -> List[str]:
        return [user for user in (self.user_x, self.user_o) if user]

    def message(self) -> str:
        """The state both pages draw, JSON-encoded as GAE advised."""
        return json.dumps({
            'board': self.board,
            'userX': self.user_x,
            'userO': self.user_o or '',
            'moveX': self.move_x,
            'winner': self.winner or '',
            'winningLine': list(self.winning_line or ()),
            'online': {user: self.online.get(self.client_id(user), False) for user in self.players()},
        })

    def send_update(self) -> None:
        message = self.message()
        for user in self.players():
            channel.send_message(self.client_id(user), message)

    def move(self, position: int, user: str) -> bool:
        """Plays ``position`` for ``user`` if it is their turn and the square is free; True if it did."""
        if self.winner or not 0 <= position < 9 or user not in self.players() or self.user_o is None:
            return False
        if self.move_x != (user == self.user_x) or self.board[position] != ' ':
            return False
        mark = 'X' if self.move_x else 'O'
        self.board = self.board[:position] + mark + self.board[position + 1:]
        self.move_x = not self.move_x
        self._check_win(mark, user)
        return True

    def _check_win(self, mark: str, user: str) -> None:
        for line in LINES:
            if all(self.board[i] == mark for i in line):
                self.winner, self.winning_line = user, line
                return
        if ' ' not in self.board:
            self.winner = 'draw'


class GameStore:
    """Games in memory (the GAE sample kept them in the Datastore), safe across request threads."""

    def __init__(self) -> None:
        self._games: Dict[str, Game] = {}
        self.lock = threading.RLock()

    def create(self, user: str) -> Game:
        with self.lock:
            game = Game(key=secrets.token_hex(8), user_x=user)
            self._games[game.key] = game
            return game

    def get(self, key: Optional[str]) -> Optional[Game]:
        with self.lock:
            return self._games.get(key or '')

    def by_client_id(self, client_id: str) -> Optional[Game]:
        """The game a channel belongs to (presence webhooks name the client ID only)."""
        with self.lock:
            return next((game for game in self._games.values()
                         if any(game.client_id(user) == client_id for user in game.players())), None)
