# Run from this folder with OLD_AGENT replaced by the agent built from commit e1c1260.
import os, pty, subprocess, time, signal, tty
master, slave = pty.openpty()
tty.setraw(master)
path = os.ttyname(slave)
agent = subprocess.Popen(["OLD_AGENT", "run", "--device", path, "--format", "avaya-ipo",
                          "--data-dir", "data-e1c1260", "--timezone", "Europe/Paris"], stderr=open("agent.log", "w"))
time.sleep(2)
lines = [
 "2026/11/04 09:12:00,00:00:40,4,201,O,0142681234,00142681234,,0,1000041,1,E201,Marie,T9001,Line 1.1,0,0\r\n",
 "2026/11/04 09:12:00,00:05:00,2,201,O,0142681234,00142681234,,0,1000041,0,E202,Paul,T9001,Line 1.1,0,0\r\n",
 "2026/11/04 10:00:00,00:02:00,3,201,O,0612345678,00612345678,,0,1000042,0,E201,Marie,T9001,Line 1.1,0,0\r\n",
 "2026/11/04 10:01:00,00:05:00,4,202,O,0142681234,00142681234,,0,1000043,0,E202,Paul,T9001,Line 1.1,0,0\r\n",
 "this line is no Avaya record\r\n",
 "2026/11/04 10:05:00,00:01:30,5,0699887766,I,8000,8000,,0,1000044,0,V9500,VM Channel 1,T9001,Line 1.1,0,0\r\n",
 "2026/11/04 10:06:00,00:00:45,2,0478123456,I,301,301,,0,1000045,0,E301,Lyon,T9002,Line 2.1,0,0\r\n",
]
for l in lines:
    os.write(master, l.encode()); time.sleep(0.1)
time.sleep(2)
agent.send_signal(signal.SIGTERM); agent.wait()
print("exit", agent.returncode)
