class Gate {
    check(connection) { connection.allow(); }
}

function connectionHandler(connection) {
    new Gate().check(connection);
}
