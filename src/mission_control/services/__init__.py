"""Use cases: the only code that changes state. Each validates with domain/, writes the row and
its Event in one transaction, then announces the Event on the bus after commit."""
