// A stand-in agent process: stays alive until killed.
process.stdout.write('up\n');
setInterval(() => {}, 1 << 30);
